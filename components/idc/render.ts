// The IDC site's pure renderers (spec in, text out), one file per concern under renderers/.
export * from "./renderers/containerd";
export * from "./renderers/etcd";
export * from "./renderers/kubeadm";
export * from "./renderers/loadBalancer";
export * from "./renderers/node";
export * from "./renderers/retire";
export * from "./renderers/upgrade";
