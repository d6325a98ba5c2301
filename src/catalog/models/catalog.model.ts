import { Field, ObjectType, registerEnumType } from '@nestjs/graphql';

export enum CatalogEntityKind {
  TEAM = 'TEAM',
  SERVICE = 'SERVICE',
  ENVIRONMENT = 'ENVIRONMENT',
}
registerEnumType(CatalogEntityKind, { name: 'CatalogEntityKind' });

@ObjectType({ description: 'One change the catalog makes (or would make, in a dry run)' })
export class CatalogChange {
  @Field(() => CatalogEntityKind)
  kind!: CatalogEntityKind;

  @Field(() => String, { description: 'Team, service (namespace/name) or environment' })
  name!: string;

  @Field(() => String, {
    description: 'created, owner, repository, lifecycle, paths, display name or tier',
  })
  field!: string;

  @Field(() => String, { nullable: true })
  before!: string | null;

  @Field(() => String, { nullable: true })
  after!: string | null;
}

@ObjectType({ description: 'Allowed but likely wrong; nothing was refused because of it' })
export class CatalogWarning {
  @Field(() => String)
  code!: string;

  @Field(() => String)
  message!: string;
}

@ObjectType({ description: 'What applying a catalog changed, or would change (dryRun)' })
export class CatalogPlan {
  @Field(() => Boolean, { description: 'true: nothing was stored' })
  dryRun!: boolean;

  @Field(() => Date, { description: 'When the ownership changes take effect' })
  effectiveAt!: Date;

  @Field(() => [CatalogChange])
  changes!: CatalogChange[];

  @Field(() => [CatalogWarning])
  warnings!: CatalogWarning[];

  @Field(() => [String], { description: 'Entities of kinds Shipwatch does not read (kind:name)' })
  ignored!: string[];
}

@ObjectType()
export class Team {
  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true })
  displayName!: string | null;

  @Field(() => String, { description: 'CATALOG, CODEOWNERS, ADMIN or EVENT' })
  source!: string;
}

@ObjectType({ description: 'A period of ownership of a service' })
export class ServiceOwner {
  @Field(() => String)
  team!: string;

  @Field(() => Date, {
    nullable: true,
    description: 'From when (null: from the beginning, the first owner the service got)',
  })
  effectiveFrom!: Date | null;

  @Field(() => String, { description: 'CATALOG, CODEOWNERS, ADMIN or EVENT' })
  source!: string;

  @Field(() => Date)
  recordedAt!: Date;
}
