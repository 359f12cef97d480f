// An on-prem (IDC) cluster: kubeadm control plane behind a keepalived VIP + HAProxy,
// external etcd on dedicated NVMe hosts, workers, all reached over SSH.
import { z } from "zod";
import { cidr, contains, parseIp } from "../cidr";
import { calicoOptions, ciliumOptions, tenant } from "./network";
import { cidrBlock, clusterBase, dnsLabel, ipv4, labels, secretConfigKey, taint, Violation } from "./common";

const host = z.strictObject({ name: dnsLabel, address: ipv4 });

export const idcCluster = z.strictObject({
    provider: z.literal("idc"),
    ...clusterBase,
    /** kubeadm needs a full patch version. */
    kubernetesVersion: z.string().regex(/^1\.\d{2}\.\d+$/, 'must be a full Kubernetes version like "1.33.5" (kubeadm)'),
    network: z.strictObject({
        nodeCidr: cidrBlock,
        podCidr: cidrBlock,
        serviceCidr: cidrBlock,
        cni: z.enum(["calico", "cilium"]),
        calico: calicoOptions,
        cilium: ciliumOptions,
        tenants: z.array(tenant).default([]),
    }),
    ssh: z
        .strictObject({
            user: z.string().regex(/^[a-z_][a-z0-9_-]*$/, "must be a Unix user name").default("ops"),
            port: z.number().int().min(1).max(65535).default(22),
            /** Config key holding the SSH private key (a secret). */
            privateKeyConfigKey: secretConfigKey.default("sshPrivateKey"),
        })
        .prefault({}),
    controlPlane: z.strictObject({
        /** The virtual IP keepalived holds; the cluster's API endpoint. */
        vip: ipv4,
        /** The HAProxy frontend port on the VIP. */
        port: z.number().int().min(1).max(65535).default(8443),
        /** Optional DNS name that resolves to the VIP; added to the API server certificate. */
        dnsName: z.string().optional(),
        hosts: z.array(host).min(1, "must list at least one control-plane host"),
    }),
    etcd: z.strictObject({
        hosts: z
            .array(host.extend({ nvmeDevice: z.string().regex(/^\/dev\/nvme\d+n\d+$/, "must be an NVMe block device like /dev/nvme0n1") }))
            .min(1, "must list at least one etcd host"),
    }),
    workers: z
        .array(host.extend({ labels: labels.default({}), taints: z.array(taint).default([]) }))
        .default([]),
});
export type IdcClusterSpec = z.output<typeof idcCluster>;

/** Rules that need more than one field of an IDC cluster, or the environment. */
export function idcRules(c: IdcClusterSpec, at: (string | number)[], environment: string): Violation[] {
    const out: Violation[] = [];
    const nodeCidr = cidr(c.network.nodeCidr);
    const etcdCount = c.etcd.hosts.length;
    if (environment === "prod") {
        if (etcdCount % 2 === 0 || etcdCount < 3 || etcdCount > 7) {
            out.push({ path: [...at, "etcd", "hosts"], rule: `etcd members must be odd and 3 to 7 in prod (got ${etcdCount})` });
        }
        if (c.controlPlane.hosts.length < 3) {
            out.push({ path: [...at, "controlPlane", "hosts"], rule: `at least 3 control-plane hosts in prod (got ${c.controlPlane.hosts.length})` });
        }
    } else if (etcdCount % 2 === 0 || etcdCount > 7) {
        out.push({ path: [...at, "etcd", "hosts"], rule: `etcd members must be odd and at most 7 (got ${etcdCount})` });
    }

    const groups = [
        ["controlPlane", c.controlPlane.hosts],
        ["etcd", c.etcd.hosts],
        ["workers", c.workers],
    ] as const;
    const names = new Map<string, string>();
    const addresses = new Map<string, string>();
    for (const [group, hosts] of groups) {
        hosts.forEach((h, i) => {
            const path = group === "workers" ? [...at, "workers", i] : [...at, group, "hosts", i];
            const where = `${group === "workers" ? "workers" : `${group}.hosts`}[${i}]`;
            if (!contains(nodeCidr, parseIp(h.address)!)) {
                out.push({ path: [...path, "address"], rule: `${h.address} is outside network.nodeCidr ${c.network.nodeCidr}` });
            }
            const nameTwin = names.get(h.name);
            if (nameTwin) out.push({ path: [...path, "name"], rule: `host name ${h.name} is already used by ${nameTwin}` });
            else names.set(h.name, where);
            const addressTwin = addresses.get(h.address);
            if (addressTwin) out.push({ path: [...path, "address"], rule: `address ${h.address} is already used by ${addressTwin}` });
            else addresses.set(h.address, where);
        });
    }

    const vip = c.controlPlane.vip;
    if (!contains(nodeCidr, parseIp(vip)!)) {
        out.push({ path: [...at, "controlPlane", "vip"], rule: `${vip} is outside network.nodeCidr ${c.network.nodeCidr}` });
    }
    if (addresses.has(vip)) {
        out.push({ path: [...at, "controlPlane", "vip"], rule: `${vip} is the address of ${addresses.get(vip)}; the VIP must be free` });
    }
    return out;
}
