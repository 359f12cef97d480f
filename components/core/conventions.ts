// Names and labels shared by the site builders, the add-ons and the offline plan.

/** Name of the Kubernetes provider of a cluster; the offline plan maps objects to clusters by it. */
export const k8sProviderName = (cluster: string) => `${cluster}-k8s`;
