import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module.js';
import { IncidentReviewsResolver, TriageResolver } from './triage.resolver.js';
import { TriageRepository } from './triage.repository.js';
import { TriageService } from './triage.service.js';

/** Incident triage: confirming and rejecting the deployments that caused incidents. */
@Module({
  imports: [DeliveryModule],
  providers: [TriageRepository, TriageService, TriageResolver, IncidentReviewsResolver],
})
export class TriageModule {}
