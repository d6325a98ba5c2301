import { Injectable } from '@nestjs/common';
import { decodeCursor, decodeNameCursor, pageSize, toConnection } from './cursor.js';
import {
  toDeployment,
  toIncident,
  toPipelineRun,
  toService,
  type DbRow,
} from './delivery.mappers.js';
import { DeliveryRepository } from './delivery.repository.js';
import type {
  DeploymentsArgs,
  IncidentsArgs,
  PipelineRunsArgs,
  ServicesArgs,
} from './dto/list.args.js';
import type { Connection } from './models/connection.model.js';
import type { Deployment } from './models/deployment.model.js';
import type { Incident } from './models/incident.model.js';
import type { PipelineRun } from './models/pipeline-run.model.js';
import type { Service } from './models/service.model.js';

const sortCursor = (r: DbRow) => ({ at: r.sort_at as Date, id: String(r.id) });
const nameCursor = (r: DbRow) => ({ at: r.name as string, id: String(r.id) });

/** Read side of the delivery domain: validated, keyset-paginated lists. */
@Injectable()
export class DeliveryService {
  constructor(private readonly repo: DeliveryRepository) {}

  async services(args: ServicesArgs): Promise<Connection<Service>> {
    const size = pageSize(args.first);
    const after = args.after ? decodeNameCursor(args.after) : null;
    const rows = await this.repo.services(args, after, size + 1);
    return toConnection(rows, size, nameCursor, toService);
  }

  async deployments(args: DeploymentsArgs): Promise<Connection<Deployment>> {
    const size = pageSize(args.first);
    const after = args.after ? decodeCursor(args.after) : null;
    const rows = await this.repo.deployments(args, after, size + 1);
    return toConnection(rows, size, sortCursor, toDeployment);
  }

  async deployment(id: string): Promise<Deployment | null> {
    if (!/^\d{1,18}$/.test(id)) return null;
    const [row] = await this.repo.deploymentsByIds([id]);
    return row ? toDeployment(row) : null;
  }

  async pipelineRuns(args: PipelineRunsArgs): Promise<Connection<PipelineRun>> {
    const size = pageSize(args.first);
    const after = args.after ? decodeCursor(args.after) : null;
    const rows = await this.repo.pipelineRuns(args, after, size + 1);
    return toConnection(rows, size, sortCursor, toPipelineRun);
  }

  async incidents(args: IncidentsArgs): Promise<Connection<Incident>> {
    const size = pageSize(args.first);
    const after = args.after ? decodeCursor(args.after) : null;
    const rows = await this.repo.incidents(args, after, size + 1);
    return toConnection(rows, size, sortCursor, toIncident);
  }
}
