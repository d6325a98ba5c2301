import { Field, ObjectType } from '@nestjs/graphql';

@ObjectType()
export class ServerInfo {
  @Field(() => String)
  version!: string;

  @Field(() => String, { description: '`postgres` or `embedded` (PGlite)' })
  database!: string;
}
