import { Field, InputType } from '@nestjs/graphql';
import { TokenScope } from '../models/api-token.model.js';

@InputType()
export class CreateApiTokenInput {
  @Field(() => String, { description: 'What the token is for, e.g. "github-actions"' })
  name!: string;

  @Field(() => [TokenScope])
  scopes!: TokenScope[];
}
