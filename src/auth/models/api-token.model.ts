import { Field, ID, ObjectType, registerEnumType } from '@nestjs/graphql';

export enum TokenScope {
  INGEST = 'ingest',
  READ = 'read',
  TRIAGE = 'triage',
  ADMIN = 'admin',
}
registerEnumType(TokenScope, {
  name: 'TokenScope',
  description:
    'ingest: post events; read: query; triage: confirm or reject incident causes; admin: everything, including tokens and policies',
});

@ObjectType({ description: 'An API token; the secret itself is shown only once, at creation' })
export class ApiToken {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'The first characters of the token, to tell tokens apart' })
  prefix!: string;

  @Field(() => [TokenScope])
  scopes!: TokenScope[];

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  lastUsedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  revokedAt!: Date | null;
}

@ObjectType()
export class CreatedApiToken {
  @Field(() => String, { description: 'The secret; store it now, it cannot be shown again' })
  token!: string;

  @Field(() => ApiToken)
  apiToken!: ApiToken;
}
