import { ensureBinaries } from '@ambient-operator/kube-real';

export default async function setup(): Promise<void> {
  await ensureBinaries();
}
