import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A commit, from pushes, merged pull requests or the commits a deployment carries. */
@Entity({ name: 'changes' })
@Index('uq_changes_repository_sha', ['repository', 'sha'], { unique: true })
export class ChangeEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'text', default: '' })
  repository!: string;

  @Column({ type: 'text' })
  sha!: string;

  /** First parent, from the push order. */
  @Column({ name: 'parent_sha', type: 'text', nullable: true })
  parentSha!: string | null;

  @Column({ type: 'text', nullable: true })
  message!: string | null;

  @Column({ name: 'authored_at', type: 'timestamptz', nullable: true })
  authoredAt!: Date | null;

  @Column({ name: 'committed_at', type: 'timestamptz', nullable: true })
  committedAt!: Date | null;

  @Column({ name: 'pushed_at', type: 'timestamptz', nullable: true })
  pushedAt!: Date | null;

  @Column({ name: 'pull_request_id', type: 'text', nullable: true })
  pullRequestId!: string | null;

  @Column({ name: 'pr_first_commit_at', type: 'timestamptz', nullable: true })
  prFirstCommitAt!: Date | null;

  @Column({ name: 'pr_merged_at', type: 'timestamptz', nullable: true })
  prMergedAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
