import { Field, InputType } from '@nestjs/graphql';
import { EnvironmentTier } from '../../delivery/models/delivery.enums.js';

@InputType()
export class ApplyCatalogInput {
  @Field(() => String, {
    nullable: true,
    description: 'A Backstage catalog-info.yaml (multi-document YAML, at most 1 MB)',
  })
  catalogInfo?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'A CODEOWNERS file: the team of each service whose Component names no owner, from its path globs',
  })
  codeowners?: string | null;

  @Field(() => Date, {
    nullable: true,
    description: 'When changes of owner take effect (default: now); never before the last change',
  })
  effectiveAt?: Date | null;

  @Field(() => Boolean, { nullable: true, description: 'Only show the plan; store nothing' })
  dryRun?: boolean | null;
}

@InputType()
export class SetServiceOwnerInput {
  @Field(() => String)
  service!: string;

  @Field(() => String, { nullable: true })
  namespace?: string | null;

  @Field(() => String, { description: 'A known team (see `teams`)' })
  team!: string;

  @Field(() => Date, { nullable: true, description: 'From when (default: now)' })
  effectiveAt?: Date | null;
}

@InputType()
export class UpsertTeamInput {
  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true })
  displayName?: string | null;
}

@InputType()
export class SetEnvironmentTierInput {
  @Field(() => String)
  environment!: string;

  @Field(() => EnvironmentTier)
  tier!: EnvironmentTier;
}
