// Cases of the fidelity suite where kube-sim knowingly answers differently from the real API server, with the
// reason the difference is acceptable for now. packages/kube-sim/README.md ("Known differences") lists the same.
export const KNOWN_DIFFERENCES: Record<string, string> = {
  'a Table of ConfigMaps':
    'column descriptions are the field docs of the OpenAPI schema kube-sim does not carry, and the real Data column is typed string; kubectl prints the same table',
  'merge, JSON and strategic merge patches of a ConfigMap':
    'a failed JSON-patch `test` says "Test operation failed" after the API server\'s message (fast-json-patch wording); same code and reason',
  'strategic merge patch of a Deployment merges containers by name':
    "merged list order: the API server puts the patch's new env entries first, kube-sim appends them; same entries",
  'custom resource field selectors: metadata.name works, spec fields are refused':
    'custom resources: the API server words the refusal "field label not supported" and lists with continue ""; kube-sim uses the built-ins\' wording; same 400',
  'PUT of a custom resource without resourceVersion':
    'the 422 names the kind instead of the resource and quotes the value as "0x0"; same code, reason and field',
  'delete a Job with propagationPolicy=Foreground':
    "the response shows the Job controller's status (kube-sim's controller runs synchronously; the real one had not synced yet) and manualSelector false is not defaulted",
  'delete a Job with propagationPolicy=Orphan':
    "the response shows the Job controller's status (kube-sim's controller runs synchronously; the real one had not synced yet) and manualSelector false is not defaulted",
  'kubectl create job and serviceaccount (typed, protobuf)':
    'the protobuf decoder keeps generation 0 in the template metadata (Go omits it) and manualSelector false is not defaulted',
  'watch from a compacted resourceVersion: 410 Expired':
    'same in-stream ERROR 410 Expired; kube-sim words it as the API server\'s watch cache does ("too old resource version: 1 (N)"), the real server here read etcd ("The resourceVersion for the provided watch is too old.")',
};
