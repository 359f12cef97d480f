// An on-prem (IDC) cluster: kubeadm control plane behind a keepalived VIP + HAProxy,
// external etcd on dedicated NVMe hosts, workers, all reached over SSH.
import { z } from "zod";
import { idcGateway, loadBalancerCidr } from "./links";
import { cidr, contains, parseIp, usableHost } from "../cidr";
import { calicoOptions, ciliumOptions, tenant } from "./network";
import { cidrBlock, clusterBase, dnsLabel, ipv4, labels, nodeKubeletFields, objectStore, secretConfigKey, shutdownGraceRule, taint, Violation } from "./common";
import { enumMapping } from "./mapping";
import { hostKeyRules, sshHostKey } from "./hostKeys";

const host = z.strictObject({ name: dnsLabel, address: ipv4, sshHostKey: sshHostKey.optional() });

const WEEKDAY = "(Mon|Tue|Wed|Thu|Fri|Sat|Sun|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)";
const WEEKDAYS = new RegExp(`^${WEEKDAY}(\\.\\.${WEEKDAY})?(,${WEEKDAY}(\\.\\.${WEEKDAY})?)*$`);
const SHORTHANDS = new Set(["minutely", "hourly", "daily", "weekly", "monthly", "yearly", "annually", "quarterly", "semiannually"]);

/** One calendar field: `*`, or a comma list of `n`, `n..m`, each with an optional `/step`, within [min, max]. */
function calendarField(text: string, min: number, max: number, digits: number): boolean {
    return text.split(",").every((part) => {
        const m = new RegExp(`^(\\*|(\\d{1,${digits}})(\\.\\.(\\d{1,${digits}}))?)(/(\\d{1,4}))?$`).exec(part);
        if (!m) return false;
        if (m[6] !== undefined && Number(m[6]) < 1) return false;
        if (m[1] === "*") return true;
        const lo = Number(m[2]);
        const hi = m[4] === undefined ? lo : Number(m[4]);
        // systemd rejects a repetition from a single start whose second value is out of range
        // ("23/1" hours, "58/2" minutes: systemd 252 calendarspec.c, checked by systemd-analyze).
        if (m[4] === undefined && m[6] !== undefined && lo + Number(m[6]) > max) return false;
        return lo >= min && hi <= max && lo <= hi;
    });
}

/**
 * A systemd calendar expression (systemd.time(7), "Calendar Events"): a shorthand ("hourly") or
 * `[weekdays] [[year-]month-day] [hour:minute[:second]]` with `*`, lists, ranges and steps, fields
 * within their ranges, optionally ending in UTC. Stricter than systemd (no `~`, no fractional seconds,
 * no other time zones): what passes, systemd reads (checked with `systemd-analyze calendar`).
 */
export function isCalendar(text: string): boolean {
    if (SHORTHANDS.has(text)) return true;
    const tokens = text.split(" ");
    if (tokens.at(-1) === "UTC") tokens.pop();
    if (tokens.length === 0 || tokens.length > 3 || tokens.some((t) => t === "")) return false;
    let i = 0;
    if (WEEKDAYS.test(tokens[i])) i++;
    if (i < tokens.length && tokens[i].includes("-")) {
        const parts = tokens[i].split("-");
        const [year, month, day] = parts.length === 3 ? parts : ["*", ...parts];
        if (parts.length < 2 || parts.length > 3) return false;
        if (!calendarField(year, 1970, 2199, 4) || !calendarField(month, 1, 12, 2) || !calendarField(day, 1, 31, 2)) return false;
        i++;
    }
    if (i < tokens.length && tokens[i].includes(":")) {
        const parts = tokens[i].split(":");
        if (parts.length < 2 || parts.length > 3) return false;
        if (!calendarField(parts[0], 0, 23, 2) || !calendarField(parts[1], 0, 59, 2) || (parts[2] !== undefined && !calendarField(parts[2], 0, 59, 2)))
            return false;
        i++;
    }
    return i === tokens.length && i > 0;
}

/** A systemd calendar expression, e.g. "hourly" or "Sun *-*-* 03:00:00" (at most 64 characters, see isCalendar). */
const onCalendar = z
    .string()
    .max(64, "must be at most 64 characters")
    .refine(isCalendar, 'must be a systemd calendar expression like "hourly" or "Sun *-*-* 03:30:00" (systemd.time(7))');

/** A DNS name (RFC 1123 host name): lowercase labels of at most 63 characters, at most 253 in all. */
export const dnsName = z
    .string()
    .max(253, "must be at most 253 characters")
    .regex(
        /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/,
        "must be a DNS name (lowercase labels of letters, digits and '-', joined by '.')",
    );

/**
 * Roots a data directory may live under: never a system directory (/etc, /usr, /bin, /boot, /proc,
 * /sys, /dev, /root, /var/lib/dpkg, ...), whose contents the disk script would shadow with a mount.
 */
export const DATA_DIR_ROOTS = ["/var/lib/", "/data/", "/srv/", "/mnt/", "/opt/"] as const;
const dataDir = z
    .string()
    .max(128, "must be at most 128 characters")
    .regex(/^(\/[A-Za-z0-9_][A-Za-z0-9._-]*)+$/, "must be an absolute path of plain segments (letters, digits, '.', '_', '-'; no '..', no trailing '/')")
    .refine(
        (p) => !p.split("/").includes("..") && DATA_DIR_ROOTS.some((r) => p.startsWith(r) && p.length > r.length),
        `must be under ${DATA_DIR_ROOTS.join(", ")} (never a system directory)`,
    )
    .refine(
        (p) => !["/var/lib/dpkg", "/var/lib/apt", "/var/lib/systemd", "/var/lib/kubelet", "/var/lib/containerd"].some((s) => p === s || p.startsWith(`${s}/`)),
        "must not be a directory the system or the kubelet/containerd own",
    );

/** A resource quantity (kubernetes.io "Resource Management": cpu "500m", memory "1Gi"). */
const quantity = z.string().regex(/^\d{1,9}(\.\d{1,3})?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$/, 'must be a quantity like "500m" or "1Gi"');
const reserved = enumMapping(["cpu", "memory", "ephemeral-storage", "pid"], quantity);

/** A kubelet eviction signal map, e.g. { "memory.available": "500Mi" }. */
const EVICTION_SIGNALS = ["memory.available", "nodefs.available", "nodefs.inodesFree", "imagefs.available", "imagefs.inodesFree", "pid.available"] as const;
const evictionSignals = enumMapping(
    EVICTION_SIGNALS,
    z.string().regex(/^(\d+(\.\d+)?%|\d+(Ki|Mi|Gi|Ti)?)$/, 'must be a quantity like "500Mi" or a percentage like "10%"'),
);

/**
 * etcd tuning, each default cited. Keys rendered into etcd.conf.yml are accepted by etcd 3.5 (the
 * hosts' release, ETCD_RELEASE) and 3.6, and by 3.4 (a member not yet stepped up).
 */
const etcdTuning = z
    .strictObject({
        /** etcd's default 100 ms (etcd docs, "Tuning": heartbeat interval ~ the round-trip time between members). */
        heartbeatIntervalMs: z.number().int().min(10).max(5000).default(100),
        /** etcd's default 1000 ms (etcd docs, "Tuning"; at most 50000 ms). */
        electionTimeoutMs: z.number().int().min(100).max(50000, "etcd allows at most 50000 ms").default(1000),
        /** 8 GiB, the suggested maximum backend size (etcd docs, "System limits" / "Space quota"). */
        quotaBackendBytes: z
            .number()
            .int()
            .min(2 ** 30)
            .max(8 * 2 ** 30, "etcd suggests at most 8 GiB")
            .default(8 * 2 ** 30),
        /** 10000: the etcd v3.6 default and kubespray's etcd_snapshot_count (3.4 defaulted to 100000). */
        snapshotCount: z.number().int().min(1000).max(10000000).default(10000),
        /** periodic compaction, retention 8h: kubespray's etcd_compaction_retention "8" (hours). */
        autoCompactionMode: z.enum(["periodic", "revision"]).default("periodic"),
        autoCompactionRetention: z
            .string()
            .regex(/^\d+(h|m|s)?$/, 'must be hours ("8"), a duration ("8h", "30m") or a revision count')
            .default("8h"),
        /** 1.5 MiB, etcd's default and the size Kubernetes objects are limited to (etcd docs, "System limits"). */
        maxRequestBytes: z
            .number()
            .int()
            .min(1024)
            .max(10 * 2 ** 20)
            .default(1572864),
    })
    .prefault({});

const etcdBackup = z
    .strictObject({
        /** Hourly snapshots: a one-hour recovery point (our choice; etcd docs, "Disaster recovery", require periodic snapshots). */
        onCalendar: onCalendar.default("hourly"),
        /** Snapshots kept locally and in the object store: two days of hourly snapshots. */
        keep: z.number().int().min(1).max(1000).default(48),
        /** Where snapshots go; defaults to the cluster's metrics.objectStore (under `prefix`). */
        objectStore: objectStore.optional(),
        prefix: z
            .string()
            .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, "must be an object key prefix like etcd-backups/idc-sh")
            .optional(),
        /** Weekly defragmentation, one member at a time (etcd docs, "Maintenance": defragment to reclaim space). */
        defragOnCalendar: onCalendar.default("Sun *-*-* 03:30:00"),
    })
    .prefault({});

export const idcCluster = z.strictObject({
    provider: z.literal("idc"),
    ...clusterBase,
    /**
     * kubeadm needs a full patch version. Changing it on a running cluster upgrades it node by node
     * (components/idc/upgrade.ts); the hosts refuse a step of more than one minor.
     */
    kubernetesVersion: z.string().regex(/^1\.\d{2}\.\d+$/, 'must be a full Kubernetes version like "1.33.5" (kubeadm)'),
    network: z.strictObject({
        nodeCidr: cidrBlock,
        podCidr: cidrBlock,
        serviceCidr: cidrBlock,
        cni: z.enum(["calico", "cilium"], {
            error: (issue) => `IDC runs calico or cilium, not ${JSON.stringify(issue.input)}`,
        }),
        calico: calicoOptions,
        cilium: ciliumOptions,
        tenants: z.array(tenant).max(1000, "must list at most 1000 tenants").default([]),
        /** The range LoadBalancer Services take addresses from, announced by the CNI and over the links. */
        loadBalancerCidr,
    }),
    ssh: z
        .strictObject({
            user: z
                .string()
                .regex(/^[a-z_][a-z0-9_-]*$/, "must be a Unix user name")
                .default("ops"),
            port: z.number().int().min(1).max(65535).default(22),
            /** Config key holding the SSH private key (a secret). */
            privateKeyConfigKey: secretConfigKey.default("sshPrivateKey"),
            /** Outside prod only: hosts may omit sshHostKey (their key is then not checked at all). */
            allowUnpinnedHostKeys: z.boolean().default(false),
        })
        .prefault({}),
    controlPlane: z.strictObject({
        /** The virtual IP keepalived holds; the cluster's API endpoint. */
        vip: ipv4,
        /** The HAProxy frontend port on the VIP. */
        port: z.number().int().min(1).max(65535).default(8443),
        /** Optional DNS name that resolves to the VIP; added to the API server certificate. */
        dnsName: dnsName.optional(),
        /**
         * labels: applied by the kubelet when the host registers (e.g. its rack, for the per-rack BGP peers).
         * retiring: the host leaves the control plane (idcRules; stacks/idc.ts): one `pulumi up` with it
         * set stops its keepalived and HAProxy before the other hosts drop it, drains and deletes its
         * node and resets it; then remove it from the list.
         */
        hosts: z
            .array(host.extend({ labels: labels.default({}), retiring: z.boolean().optional() }))
            .min(1, "must list at least one control-plane host")
            .max(15, "must list at most 15 control-plane hosts"),
        keepalived: z
            .strictObject({
                /** The NIC that holds the node address and the VIP on every control-plane host. */
                interface: z
                    .string()
                    .regex(/^[a-zA-Z0-9_.:-]{1,15}$/, "must be a network interface name")
                    .default("eth0"),
                /** VRRP router id, unique per L2 segment; 51 as in the kubeadm HA guide (kubernetes/kubeadm docs/ha-considerations.md). */
                virtualRouterId: z.number().int().min(1).max(255).default(51),
                /** VRRP advertisement interval, 1 s (keepalived's default advert_int). */
                advertIntervalSeconds: z.number().int().min(1).max(255).default(1),
            })
            .prefault({}),
        apiServer: z
            .strictObject({
                /** kube-apiserver defaults 400 / 200 (kube-apiserver reference); raise for big clusters. */
                maxRequestsInflight: z.number().int().min(1).max(100000).default(400),
                maxMutatingRequestsInflight: z.number().int().min(1).max(100000).default(200),
                /**
                 * CIS Kubernetes Benchmark 1.2.17-1.2.19 asks for at least 30 days, 10 files, 100 MB each;
                 * prod keeps at least AUDIT_RETENTION_FLOOR_DAYS (idcRules).
                 */
                auditLogMaxAgeDays: z.number().int().min(1).max(3650).default(90),
                auditLogMaxBackups: z.number().int().min(1).max(1000).default(10),
                auditLogMaxSizeMB: z.number().int().min(1).max(10240).default(100),
            })
            .prefault({}),
    }),
    etcd: z.strictObject({
        /**
         * retiring: the member leaves the cluster (idcRules; stacks/idc.ts, EtcdCluster): one `pulumi up`
         * with it set moves the API servers off it, removes it from the cluster, stops it and takes its
         * keys off the host; then remove it from the list.
         */
        hosts: z
            .array(
                host.extend({
                    nvmeDevice: z.string().regex(/^\/dev\/nvme\d+n\d+$/, "must be an NVMe block device like /dev/nvme0n1"),
                    retiring: z.boolean().optional(),
                }),
            )
            .min(1, "must list at least one etcd host"),
        /** Where the NVMe device is mounted; the member's data dir is `<dataDir>/data`. */
        dataDir: dataDir.default("/var/lib/etcd"),
        tuning: etcdTuning,
        backup: etcdBackup,
        /**
         * etcd's plain-HTTP /metrics and /health listener (port 2381, nothing else is served there):
         * on the member's address, where the cluster's Prometheus scrapes it without any credential;
         * or on 127.0.0.1 as kubeadm binds it, which leaves etcd unscraped by the cluster's Prometheus.
         */
        metricsListener: z.enum(["localhost", "member"]).default("member"),
    }),
    kubelet: z
        .strictObject({
            /**
             * Hard eviction thresholds: Kubernetes' defaults (nodefs 10%, imagefs 15%, inodes 5%) with
             * memory raised to 500Mi as in kubernetes.io "Reserve Compute Resources for System Daemons".
             */
            evictionHard: evictionSignals.default({
                "memory.available": "500Mi",
                "nodefs.available": "10%",
                "nodefs.inodesFree": "5%",
                "imagefs.available": "15%",
            }),
            /** Soft thresholds evict after a grace period, before the hard ones hit. */
            evictionSoft: evictionSignals.default({ "memory.available": "1Gi", "nodefs.available": "15%", "imagefs.available": "20%" }),
            evictionSoftGracePeriod: enumMapping(EVICTION_SIGNALS, z.string().regex(/^\d{1,6}(s|m|h)$/, 'must be a duration like "90s"')).default({
                "memory.available": "90s",
                "nodefs.available": "2m",
                "imagefs.available": "2m",
            }),
            /** Reserved for the OS and the kubelet/runtime (kubernetes.io "Reserve Compute Resources"). */
            systemReserved: reserved.default({ cpu: "500m", memory: "1Gi" }),
            kubeReserved: reserved.default({ cpu: "500m", memory: "1Gi" }),
            ...nodeKubeletFields,
        })
        .prefault({}),
    workers: z
        .array(host.extend({ labels: labels.default({}), taints: z.array(taint).max(64).default([]) }))
        // kubernetes.io "Considerations for large clusters": at most 5,000 nodes.
        .max(5000, "must list at most 5000 workers (Kubernetes' large-cluster limit)")
        .default([]),
    /** The site's BGP ASN, gateway hosts and fabric peers on its links (stacks/spec/links.ts). */
    gateway: idcGateway.optional(),
});
export type IdcClusterSpec = z.output<typeof idcCluster>;

/**
 * The least audit trail prod keeps, in days: the last 90 days immediately available for analysis,
 * as PCI DSS v4.0 10.5.1 asks (of a year in total); CIS's 30 is a minimum for any cluster.
 */
export const AUDIT_RETENTION_FLOOR_DAYS = 90;

/** The control-plane hosts that serve (not `retiring`), in the spec's order. */
export function activeControlPlaneHosts(c: IdcClusterSpec): IdcClusterSpec["controlPlane"]["hosts"] {
    return c.controlPlane.hosts.filter((h) => !h.retiring);
}

/** The etcd members that serve (not `retiring`), in the spec's order. */
export function activeEtcdHosts(c: IdcClusterSpec): IdcClusterSpec["etcd"]["hosts"] {
    return c.etcd.hosts.filter((h) => !h.retiring);
}

/**
 * The cluster as everything but the retirement sees it: without its retiring control-plane hosts and
 * etcd members, so that no resource of theirs is declared (the load balancers, kubeadm, the upgrade
 * chains, the members' files and starts, the API servers' etcd endpoints, the add-ons) but the steps
 * that take them out (stacks/idc.ts).
 */
export function withoutRetiringHosts(c: IdcClusterSpec): IdcClusterSpec {
    return { ...c, controlPlane: { ...c.controlPlane, hosts: activeControlPlaneHosts(c) }, etcd: { ...c.etcd, hosts: activeEtcdHosts(c) } };
}

/** Rules that need more than one field of an IDC cluster, or the environment. */
export function idcRules(c: IdcClusterSpec, at: (string | number)[], environment: string): Violation[] {
    const out: Violation[] = [];
    const nodeCidr = cidr(c.network.nodeCidr);
    // The members that stay: a quorum's size is what the rules are about.
    const etcdCount = activeEtcdHosts(c).length;
    const etcdRetiring = c.etcd.hosts.length - etcdCount;
    const besides = etcdRetiring > 0 ? ` besides ${etcdRetiring} retiring` : "";
    if (environment === "prod") {
        if (etcdCount % 2 === 0 || etcdCount < 3 || etcdCount > 7) {
            out.push({ path: [...at, "etcd", "hosts"], rule: `etcd members must be odd and 3 to 7 in prod (got ${etcdCount}${besides})` });
        }
        const serving = activeControlPlaneHosts(c).length;
        if (serving < 3) {
            const retiring = c.controlPlane.hosts.length - serving;
            out.push({
                path: [...at, "controlPlane", "hosts"],
                rule: `at least 3 control-plane hosts in prod (got ${serving}${retiring > 0 ? ` besides ${retiring} retiring: add the replacement first` : ""})`,
            });
        }
        const age = c.controlPlane.apiServer.auditLogMaxAgeDays;
        if (age < AUDIT_RETENTION_FLOOR_DAYS) {
            out.push({
                path: [...at, "controlPlane", "apiServer", "auditLogMaxAgeDays"],
                rule: `must keep audit logs at least ${AUDIT_RETENTION_FLOOR_DAYS} days in prod (got ${age})`,
            });
        }
    } else if (etcdCount % 2 === 0 || etcdCount > 7) {
        out.push({ path: [...at, "etcd", "hosts"], rule: `etcd members must be odd and at most 7 (got ${etcdCount}${besides})` });
    }

    out.push(...hostKeyRules(c, at, environment));
    if (c.controlPlane.hosts[0].retiring) {
        out.push({
            path: [...at, "controlPlane", "hosts", 0, "retiring"],
            rule: "the first control-plane host cannot retire: it runs kubeadm init and the cluster's own commands; list another host first, then retire this one",
        });
    }
    if (c.etcd.hosts[0].retiring) {
        out.push({
            path: [...at, "etcd", "hosts", 0, "retiring"],
            rule: "the first etcd member cannot retire: it runs the membership step and the health gate; list another member first, then retire this one",
        });
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
            } else if (!usableHost(nodeCidr, parseIp(h.address)!)) {
                out.push({ path: [...path, "address"], rule: `${h.address} is the network or broadcast address of network.nodeCidr ${c.network.nodeCidr}` });
            }
            const nameTwin = names.get(h.name);
            if (nameTwin) out.push({ path: [...path, "name"], rule: `host name ${h.name} is already used by ${nameTwin}` });
            else names.set(h.name, where);
            const addressTwin = addresses.get(h.address);
            if (addressTwin) out.push({ path: [...path, "address"], rule: `address ${h.address} is already used by ${addressTwin}` });
            else addresses.set(h.address, where);
        });
    }

    const nodes = [
        ...c.controlPlane.hosts.map((h, i) => ({ host: h, path: [...at, "controlPlane", "hosts", i], controlPlane: true })),
        ...c.workers.map((w, i) => ({ host: w, path: [...at, "workers", i], controlPlane: false })),
    ];
    for (const n of nodes) out.push(...kubeletLabelRules(n.host.labels, [...n.path, "labels"]));
    out.push(...bgpCoverageRules(c, nodes));
    // The CNI's BGP announces the LoadBalancer range to the racks (components/network/calico/render.ts, cilium/render.ts);
    // without it the Services get addresses nothing outside the cluster can route to.
    if (c.network.loadBalancerCidr && !c.network[c.network.cni].bgp) {
        out.push({
            path: [...at, "network", "loadBalancerCidr"],
            rule: `needs network.${c.network.cni}.bgp: the CNI's BGP announces the LoadBalancer range to the racks; without it no one outside the cluster reaches the Services' addresses`,
        });
    }

    const vip = c.controlPlane.vip;
    if (!contains(nodeCidr, parseIp(vip)!)) {
        out.push({ path: [...at, "controlPlane", "vip"], rule: `${vip} is outside network.nodeCidr ${c.network.nodeCidr}` });
    } else if (!usableHost(nodeCidr, parseIp(vip)!)) {
        out.push({ path: [...at, "controlPlane", "vip"], rule: `${vip} is the network or broadcast address of network.nodeCidr ${c.network.nodeCidr}` });
    }
    if (addresses.has(vip)) {
        out.push({ path: [...at, "controlPlane", "vip"], rule: `${vip} is the address of ${addresses.get(vip)}; the VIP must be free` });
    }

    // etcd docs, "Tuning": the election timeout should be at least 10x the heartbeat interval.
    const { heartbeatIntervalMs, electionTimeoutMs } = c.etcd.tuning;
    if (electionTimeoutMs < 10 * heartbeatIntervalMs) {
        out.push({
            path: [...at, "etcd", "tuning", "electionTimeoutMs"],
            rule: `must be at least 10x heartbeatIntervalMs (${electionTimeoutMs} < 10 x ${heartbeatIntervalMs})`,
        });
    }
    out.push(...shutdownGraceRule(c.kubelet, [...at, "kubelet"]));
    const soft = c.kubelet.evictionSoft;
    for (const signal of Object.keys(soft)) {
        if (!(signal in c.kubelet.evictionSoftGracePeriod)) {
            out.push({ path: [...at, "kubelet", "evictionSoftGracePeriod"], rule: `needs a grace period for evictionSoft signal ${signal}` });
        }
    }
    // kubeadm API v1beta4 starts with 1.31 (kubeadm reference); which minors are known at all is
    // the support table (./versions.ts), and PAUSE_IMAGES covers each of them.
    // One minor at a time ("Version Skew Policy"; "Upgrading kubeadm clusters": skipping minors is
    // unsupported) cannot be checked here: the spec does not know what the hosts run. The upgrade
    // chain enforces it on each node at run time and refuses a skipped minor or a downgrade before it
    // changes anything (components/idc/renderers/upgrade.ts, kube_version_step).
    const store = backupStore(c);
    if (!store.credentials) {
        out.push({
            path: [...at, "etcd", "backup", "objectStore"],
            rule: "etcd backups need an object store with credentials (IDC hosts have no cloud identity); set etcd.backup.objectStore or metrics.objectStore.credentials",
        });
    }
    if (!store.endpoint && !(store.kind === "s3" && store.region)) {
        out.push({ path: [...at, "etcd", "backup", "objectStore"], rule: "etcd backups need an object store endpoint (or an s3 store with a region)" });
    }
    return out;
}

// kubelet --node-labels validation (kubernetes/kubernetes cmd/kubelet/app/options/options.go
// ValidateKubeletFlags; the allowed set is k8s.io/kubelet/pkg/apis/well_known_labels.go): the kubelet
// exits at start on an invalid key or value, or on a kubernetes.io / k8s.io key outside this set
// (these are also the only ones the NodeRestriction admission plugin lets a kubelet self-set).
const KUBELET_LABELS = new Set([
    "kubernetes.io/hostname",
    "topology.kubernetes.io/zone",
    "topology.kubernetes.io/region",
    "failure-domain.beta.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/region",
    "beta.kubernetes.io/instance-type",
    "node.kubernetes.io/instance-type",
    "kubernetes.io/os",
    "kubernetes.io/arch",
    "beta.kubernetes.io/os",
    "beta.kubernetes.io/arch",
]);
const KUBELET_LABEL_NAMESPACES = ["kubelet.kubernetes.io", "node.kubernetes.io"];

const inNamespace = (ns: string, domain: string) => ns === domain || ns.endsWith(`.${domain}`);

/**
 * Why the kubelet would refuse this --node-labels key, or undefined when it takes it. The key's and
 * value's syntax is the schema's (common.ts `labels`, the same apimachinery rules the kubelet applies).
 */
export function kubeletLabelProblem(key: string): string | undefined {
    const slash = key.indexOf("/");
    const prefix = slash < 0 ? "" : key.slice(0, slash);
    const restricted = inNamespace(prefix, "kubernetes.io") || inNamespace(prefix, "k8s.io");
    if (restricted && !KUBELET_LABELS.has(key) && !KUBELET_LABEL_NAMESPACES.some((ns) => inNamespace(prefix, ns))) {
        return `the kubelet may not self-set ${key}: kubernetes.io and k8s.io keys must be under kubelet.kubernetes.io/ or node.kubernetes.io/ or be a well-known node label like topology.kubernetes.io/zone (NodeRestriction); the kubelet would not start`;
    }
    return undefined;
}

function kubeletLabelRules(nodeLabels: Record<string, string>, path: (string | number)[]): Violation[] {
    return Object.keys(nodeLabels).flatMap((k) => {
        const problem = kubeletLabelProblem(k);
        return problem ? [{ path, rule: problem }] : [];
    });
}

/**
 * With Calico BGP peers the node-to-node mesh is off (components/network/calico/render.ts), so a node no
 * peer selects gets no routes: its pods are unreachable, and on a control-plane host the API server
 * cannot reach webhooks or aggregated APIs. Each node is matched with the labels it will carry: the
 * spec's, plus kubernetes.io/hostname and kubernetes.io/os (set by the kubelet; kubeadm overrides
 * the hostname with the node name) and kubeadm's node-role.kubernetes.io/control-plane.
 */
function bgpCoverageRules(
    c: IdcClusterSpec,
    nodes: { host: { name: string; labels: Record<string, string> }; path: (string | number)[]; controlPlane: boolean }[],
): Violation[] {
    if (c.network.cni === "cilium") return ciliumBgpCoverageRules(c, nodes);
    const peers = c.network.cni === "calico" ? (c.network.calico.bgp?.peers ?? []) : [];
    if (peers.length === 0) return [];
    const out: Violation[] = [];
    for (const n of nodes) {
        const nodeLabels: Record<string, string> = {
            "kubernetes.io/hostname": n.host.name,
            "kubernetes.io/os": "linux",
            ...(n.controlPlane ? { "node-role.kubernetes.io/control-plane": "" } : {}),
            ...n.host.labels,
        };
        // A peer without nodeSelector is global; a selector this evaluator cannot read counts as a match
        // (no false alarm: Calico itself rejects a malformed selector when the BGPPeer is applied).
        const selected = peers.some((p) => p.nodeSelector === undefined || calicoSelectorMatches(p.nodeSelector, nodeLabels) !== false);
        if (!selected) {
            out.push({
                path: [...n.path, "labels"],
                rule: `no network.calico.bgp.peers[] nodeSelector selects ${n.host.name} and the node-to-node mesh is off: it would get no pod routes; give it the labels its rack's peers select (e.g. topology.kubernetes.io/zone)`,
            });
        }
    }
    return out;
}

/** The labels a node will carry: the spec's plus those the kubelet and kubeadm set (see bgpCoverageRules). */
function nodeLabelsOf(n: { host: { name: string; labels: Record<string, string> }; controlPlane: boolean }): Record<string, string> {
    return {
        "kubernetes.io/hostname": n.host.name,
        "kubernetes.io/os": "linux",
        ...(n.controlPlane ? { "node-role.kubernetes.io/control-plane": "" } : {}),
        ...n.host.labels,
    };
}

/**
 * Cilium BGP (network.cilium.bgp): Cilium has no node-to-node mesh, so every node must be selected
 * by a peer; and the program renders one CiliumBGPClusterConfig per distinct nodeSelector, of
 * which Cilium applies only the first that selects a node (the others get the condition
 * cilium.io/ConflictingClusterConfig; Cilium docs, "BGP Control Plane Troubleshooting Guide"), so
 * no node may be selected by two different nodeSelectors (a global peer counts as selecting all).
 */
function ciliumBgpCoverageRules(
    c: IdcClusterSpec,
    nodes: { host: { name: string; labels: Record<string, string> }; path: (string | number)[]; controlPlane: boolean }[],
): Violation[] {
    const peers = c.network.cilium.bgp?.peers ?? [];
    if (peers.length === 0) return [];
    // One group per distinct nodeSelector, named by its first peer.
    const groups = new Map<string, number>();
    peers.forEach((p, k) => {
        if (!groups.has(p.nodeSelector ?? "")) groups.set(p.nodeSelector ?? "", k);
    });
    const out: Violation[] = [];
    for (const n of nodes) {
        const labels = nodeLabelsOf(n);
        // Selectors a label selector cannot express are rejected by networkRules; here, undefined never matches.
        const selecting = [...groups].filter(([sel]) => sel === "" || calicoSelectorMatches(sel, labels) === true).map(([, k]) => k);
        if (selecting.length === 0) {
            out.push({
                path: [...n.path, "labels"],
                rule: `no network.cilium.bgp.peers[] nodeSelector selects ${n.host.name} and Cilium has no node-to-node mesh: it would get no pod routes; give it the labels its rack's peers select (e.g. topology.kubernetes.io/zone)`,
            });
        } else if (selecting.length > 1) {
            out.push({
                path: [...n.path, "labels"],
                rule: `${n.host.name} is selected by the different nodeSelectors of ${selecting.map((k) => `bgp.peers[${k}]`).join(" and ")}: Cilium applies only one CiliumBGPClusterConfig per node (ConflictingClusterConfig); give peers of the same nodes the same nodeSelector`,
            });
        }
    }
    return out;
}

/**
 * Evaluates a Calico selector (Calico docs, "Selectors") against a node's labels: `k == 'v'`,
 * `k != 'v'`, `k in {'a', 'b'}`, `k not in {...}`, `has(k)`, `!has(k)`, `all()`, `!`, `&&`, `||` and
 * parentheses. Returns undefined for anything else (e.g. `starts with`, global()), which callers
 * treat as "cannot tell".
 */
export function calicoSelectorMatches(selector: string, nodeLabels: Record<string, string>): boolean | undefined {
    const tokens = selector.match(/\s*('[^']*'|"[^"]*"|&&|\|\||==|!=|[!(){},]|[A-Za-z0-9_./-]+|\S)/g)?.map((t) => t.trim()) ?? [];
    let i = 0;
    const peek = () => tokens[i];
    const take = (t?: string) => {
        if (t !== undefined && tokens[i] !== t) throw new Error(`expected ${t}`);
        return tokens[i++];
    };
    const literal = () => {
        const t = take();
        if (t === undefined || !/^('.*'|".*")$/.test(t)) throw new Error("expected a quoted value");
        return t.slice(1, -1);
    };
    const isKey = (t: string | undefined) => t !== undefined && /^[A-Za-z0-9_./-]+$/.test(t);
    const or = (): boolean => {
        let v = and();
        while (peek() === "||") {
            take();
            v = and() || v;
        }
        return v;
    };
    const and = (): boolean => {
        let v = unary();
        while (peek() === "&&") {
            take();
            v = unary() && v;
        }
        return v;
    };
    const unary = (): boolean => {
        if (peek() === "!") {
            take();
            return !unary();
        }
        if (peek() === "(") {
            take("(");
            const v = or();
            take(")");
            return v;
        }
        const word = take();
        if ((word === "all" || word === "has") && peek() === "(") {
            take("(");
            if (word === "all") {
                take(")");
                return true;
            }
            const key = take();
            if (!isKey(key)) throw new Error("expected a label key");
            take(")");
            return key! in nodeLabels;
        }
        if (!isKey(word)) throw new Error(`unexpected ${word}`);
        const value = nodeLabels[word!];
        const op = take();
        if (op === "==") return value === literal();
        if (op === "!=") return value !== literal();
        const negated = op === "not";
        if (negated) take("in");
        else if (op !== "in") throw new Error(`unsupported operator ${op}`);
        take("{");
        const set: string[] = [];
        while (peek() !== "}") {
            set.push(literal());
            if (peek() === ",") take(",");
            else break;
        }
        take("}");
        // Calico: `not in` (like `!=`) also matches nodes without the label.
        return negated ? value === undefined || !set.includes(value) : value !== undefined && set.includes(value);
    };
    try {
        const result = or();
        return i === tokens.length ? result : undefined;
    } catch {
        return undefined;
    }
}

/** The object store etcd snapshots go to: etcd.backup.objectStore, else the cluster's metrics store. */
export function backupStore(c: IdcClusterSpec): z.output<typeof objectStore> {
    return c.etcd.backup.objectStore ?? c.metrics.objectStore;
}
