// Builds one on-prem (IDC) cluster: its PKI, the external etcd on NVMe hosts, the HA control plane
// (keepalived + HAProxy + kubeadm) and the workers, all reached over SSH.
import * as k8s from "@pulumi/kubernetes";
import { EtcdCluster } from "../components/idc/etcdCluster";
import { HaControlPlane } from "../components/idc/haControlPlane";
import { APISERVER_PORT, ETCD_PORTS } from "../components/idc/render";
import { ClusterPki } from "../components/idc/pki";
import { ContainerdRollout } from "../components/idc/containerdRollout";
import { KubernetesUpgrade } from "../components/idc/upgrade";
import { IdcWorkers } from "../components/idc/workers";
import { configSecret } from "./config";
import type { IdcClusterSpec } from "./spec";
import { backupStore, withoutRetiringHosts } from "./spec/idc";
import { hostKeysOf } from "./spec/hostKeys";
import { Site } from "../components/core/site";
import { k8sProviderName, SiteBuilder } from "./types";

export const buildIdcSite: SiteBuilder<IdcClusterSpec> = (declared) => {
    // Retiring control-plane hosts and etcd members get only the steps that take them out (HaControlPlane,
    // EtcdCluster.retire); everything else, the add-ons too, sees the cluster without them. Their SSH
    // host keys stay pinned.
    const spec = withoutRetiringHosts(declared);
    const retiring = declared.controlPlane.hosts.filter((h) => h.retiring).map((h) => ({ name: h.name, address: h.address }));
    const site = new Site("idc", spec.name);
    const name = spec.name;
    const opts = { parent: site };
    const login = { user: spec.ssh.user, port: spec.ssh.port, privateKey: configSecret(spec.ssh.privateKeyConfigKey), hostKeys: hostKeysOf(declared) };

    const pki = new ClusterPki(`${name}-pki`, { cluster: name, etcdMembers: spec.etcd.hosts }, opts);

    // The spec's rules guarantee the store has credentials and an endpoint (or an s3 region).
    const store = backupStore(spec);
    const etcd = new EtcdCluster(
        `${name}-etcd`,
        {
            cluster: name,
            etcd: spec.etcd,
            retiring: declared.etcd.hosts.filter((h) => h.retiring),
            pki,
            login,
            backupTarget: {
                endpoint: store.endpoint ?? `https://s3.${store.region}.amazonaws.com`,
                bucket: store.bucket,
                region: store.region ?? "us-east-1",
                prefix: spec.etcd.backup.prefix ?? `etcd-backups/${name}`,
                accessKeyId: configSecret(store.credentials!.accessKeyIdKey),
                secretAccessKey: configSecret(store.credentials!.secretAccessKeyKey),
            },
        },
        opts,
    );

    const controlPlane = new HaControlPlane(
        `${name}-control-plane`,
        {
            spec,
            etcdEndpoints: etcd.endpoints,
            etcdHealthy: etcd.healthy,
            pki,
            login,
            joiningHosts: [...spec.controlPlane.hosts.slice(1), ...spec.workers].map((h) => h.name),
            retiring,
        },
        opts,
    );
    const workers = new IdcWorkers(
        `${name}-workers`,
        {
            spec,
            login,
            caCertHash: controlPlane.caCertHash,
            joinTokens: controlPlane,
            kubeletConfig: controlPlane.kubeletConfig,
        },
        opts,
    );

    // A retiring etcd member leaves once no API server lists it any more.
    etcd.retire([controlPlane.init, ...controlPlane.joins]);

    // Each join's token is deleted after it; this sweeps any left behind once every host has joined.
    controlPlane.retireJoinToken([...controlPlane.joins, ...workers.joins]);

    // A new containerd pin or configuration reaches running hosts only through this chain, one host at a
    // time; a new minor's pause image is in place before kubeadm upgrades the control plane.
    const joined = [controlPlane.init, ...controlPlane.joins, ...workers.joins];
    const containerd = new ContainerdRollout(
        `${name}-containerd`,
        { kubernetesVersion: spec.kubernetesVersion, controlPlaneHosts: spec.controlPlane.hosts, workers: spec.workers, login, after: joined },
        opts,
    );

    // A new kubernetesVersion reaches the hosts only through this chain, one node at a time. Add-ons do
    // not wait for either chain (a new cluster's pass straight through; nodes are not Ready before the CNI).
    new KubernetesUpgrade(
        `${name}-upgrade`,
        {
            kubernetesVersion: spec.kubernetesVersion,
            controlPlaneHosts: spec.controlPlane.hosts,
            workers: spec.workers,
            login,
            after: [...joined, ...containerd.steps.slice(-1)],
        },
        opts,
    );

    // The cluster's own Kubernetes provider, through the VIP, usable once kubeadm init is done.
    const provider = new k8s.Provider(k8sProviderName(name), { kubeconfig: controlPlane.kubeconfig }, { parent: site, dependsOn: [controlPlane.init] });

    const apiServer = { host: spec.controlPlane.vip, port: spec.controlPlane.port };
    const outputs = {
        apiServer: `https://${apiServer.host}:${apiServer.port}`,
        etcdEndpoints: etcd.endpoints,
        kubeconfig: controlPlane.kubeconfig,
    };
    return {
        spec,
        component: site,
        access: {
            provider,
            kubeconfig: controlPlane.kubeconfig,
            apiServer,
            caCertificate: pki.kubernetesCa.certPem,
            // Add-ons (the CNI first) go on once every control-plane host and worker has joined.
            ready: [controlPlane.init, ...controlPlane.joins, ...workers.joins],
            controlPlaneMetrics: {
                etcdHosts: spec.etcd.hosts.map((h) => h.address),
                ...(spec.etcd.metricsListener === "member" ? { etcdMetricsPort: ETCD_PORTS.metrics } : {}),
                etcdCaCertPem: pki.etcdCa.certPem,
                apiServerEndpoints: spec.controlPlane.hosts.map((h) => `${h.address}:${APISERVER_PORT}`),
                // kubeadm skips its kube-proxy addon when Cilium replaces it (components/idc kubeadm init).
                kubeProxy: spec.network.cni !== "cilium",
            },
        },
        outputs,
    };
};
