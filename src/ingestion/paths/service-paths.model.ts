import { Field, ObjectType, registerEnumType } from '@nestjs/graphql';

export enum ServicePathWarningCode {
  GLOB_MATCHES_NOTHING = 'GLOB_MATCHES_NOTHING',
  NO_COMMIT_PATHS_KNOWN = 'NO_COMMIT_PATHS_KNOWN',
}
registerEnumType(ServicePathWarningCode, {
  name: 'ServicePathWarningCode',
  description:
    'GLOB_MATCHES_NOTHING: no recent commit of the repository with known paths touches the glob (a typo, or a folder that moved); NO_COMMIT_PATHS_KNOWN: no commit of the repository has known paths yet, so the globs cannot be checked',
});

@ObjectType({ description: 'Something about a service’s globs that is allowed but likely wrong' })
export class ServicePathWarning {
  @Field(() => ServicePathWarningCode)
  code!: ServicePathWarningCode;

  @Field(() => String, { nullable: true, description: 'The glob it is about, when one' })
  glob!: string | null;

  @Field(() => String)
  message!: string;
}

@ObjectType({ description: 'The path globs a service declares in one repository' })
export class ServicePaths {
  @Field(() => String)
  service!: string;

  @Field(() => String)
  namespace!: string;

  @Field(() => String)
  repository!: string;

  @Field(() => [String], { description: 'Sorted; empty: the service declares none here' })
  globs!: string[];

  @Field(() => [ServicePathWarning], {
    description: `Checked against the repository's latest commits with known paths`,
  })
  warnings!: ServicePathWarning[];
}
