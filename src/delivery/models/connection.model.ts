import type { Type } from '@nestjs/common';
import { Field, ObjectType } from '@nestjs/graphql';
import { Deployment } from './deployment.model.js';
import { Incident } from './incident.model.js';
import { PipelineRun } from './pipeline-run.model.js';
import { Service } from './service.model.js';

@ObjectType()
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Pass as `after` for the next page' })
  endCursor!: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
}

/** `<Name>Connection { edges { cursor node } pageInfo }` for cursor pagination. */
function connectionOf<T>(node: Type<T>, description: string): Type<Connection<T>> {
  @ObjectType(`${node.name}Edge`)
  class EdgeType implements Edge<T> {
    @Field(() => String)
    cursor!: string;

    @Field(() => node)
    node!: T;
  }

  @ObjectType(`${node.name}Connection`, { description })
  class ConnectionType implements Connection<T> {
    @Field(() => [EdgeType])
    edges!: Edge<T>[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;
  }
  return ConnectionType;
}

export const DeploymentConnection = connectionOf(
  Deployment,
  'Deployments, newest first (by finish, else start)',
);
export const PipelineRunConnection = connectionOf(
  PipelineRun,
  'Pipeline runs, newest first (by finish, else start)',
);
export const IncidentConnection = connectionOf(
  Incident,
  'Incidents, newest first (by impact start, else detection)',
);
export const ServiceConnection = connectionOf(Service, 'Services seen in events, by name');
