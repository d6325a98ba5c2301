import { Field, InputType } from '@nestjs/graphql';

@InputType({
  description:
    'The path globs a service declares in one repository (docs/dora.md, "Services in a shared repository")',
})
export class SetServicePathsInput {
  @Field(() => String, { description: 'Service name (service.name)' })
  service!: string;

  @Field(() => String, { nullable: true, description: 'service.namespace; default none' })
  namespace?: string | null;

  @Field(() => String, {
    description: 'The repository as events name it: owner/name (GitHub), group/project (GitLab)',
  })
  repository!: string;

  @Field(() => [String], {
    description:
      'Globs over repository-relative paths, e.g. services/api/** and libs/shared/**; they replace the service’s globs in this repository, and [] removes them (every commit of the repository counts again)',
  })
  globs!: string[];
}
