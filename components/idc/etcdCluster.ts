// External etcd for an IDC cluster on dedicated NVMe hosts: per member the data disk, the member
// config, certificates, systemd units, backup and defragmentation timers; then one health gate
// (`etcdctl endpoint health` on every member) that the control plane waits for. Retiring members
// (spec: `retiring`) keep only their data disk, unprotected, and the step that takes them out (retire).
import { remote } from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { Host, HostSpec, SshLogin } from "./host";
import type { ClusterPki } from "./pki";
import type { IdcEtcdSpec } from "./types";
import {
    aptInstall,
    clientUrl,
    ETCD_PATHS,
    ETCD_PKI,
    ETCD_UNITS,
    EtcdPaths,
    pinned,
    renderBackupCredentialsEnv,
    renderBackupEnv,
    renderBackupScript,
    renderDataDiskScript,
    renderDefragScript,
    renderEtcdConfig,
    renderEtcdctlEnv,
    renderEtcdUnit,
    renderClusterHealthScript,
    renderEtcdPackagesScript,
    renderMemberStartScript,
    renderEtcdMembershipScript,
    renderEtcdRestoreScript,
    renderEtcdRetireScript,
    withoutBootstrapMembers,
    peerUrl,
    renderTimersScript,
    renderTimerUnits,
} from "./render";

export interface EtcdBackupTarget {
    endpoint: string;
    bucket: string;
    region: string;
    prefix: string;
    /** Secrets. */
    accessKeyId: pulumi.Output<string>;
    secretAccessKey: pulumi.Output<string>;
}

export interface EtcdClusterArgs {
    cluster: string;
    /** The serving members and the rest of the etcd spec. */
    etcd: IdcEtcdSpec;
    /** Members leaving the cluster (spec: `retiring`): see retire. */
    retiring?: IdcEtcdSpec["hosts"];
    backupTarget: EtcdBackupTarget;
    pki: ClusterPki;
    login: SshLogin;
}

export class EtcdCluster extends pulumi.ComponentResource {
    /** https://<member>:2379 for every member: the API server's etcd endpoints. */
    readonly endpoints: string[];
    /** Succeeds once every member reports healthy over mTLS; the control plane depends on it. */
    readonly healthy: remote.Command;
    private readonly leaving: { member: HostSpec; host: Host; disk: remote.Command }[];
    private readonly serving: HostSpec[];
    private readonly paths: EtcdPaths;

    constructor(name: string, args: EtcdClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hybrid:idc:EtcdCluster", name, {}, opts);
        const { etcd, pki } = args;
        const paths = { ...ETCD_PATHS, mount: etcd.dataDir };
        const members: HostSpec[] = etcd.hosts.map((h) => ({ name: h.name, address: h.address }));
        this.endpoints = members.map((m) => clientUrl(m));
        this.serving = members;
        this.paths = paths;
        // A retiring member's disk stays declared as it was, now unprotected: removing the member from the
        // spec afterwards drops it from the state without an error (the command deletes nothing on the host).
        this.leaving = (args.retiring ?? []).map((spec) => {
            const member = { name: spec.name, address: spec.address };
            const host = new Host(this, name, member, args.login);
            return { member, host, disk: host.run("data-disk", renderDataDiskScript(spec.nvmeDevice, paths.mount)) };
        });
        // The membership step keeps them: they leave through their retirement, not as lost members.
        const listed = [...members, ...this.leaving.map((l) => l.member)];
        const conf = (file: string) => `${paths.configDir}/${file}`;
        /** initial-cluster-token: unique per cluster (a restore derives the restored cluster's from it). */
        const clusterToken = `${args.cluster}-etcd`;
        const pkiFile = (file: string) => `${paths.pkiDir}/${file}`;

        const backupScript = renderBackupScript();
        const defragScript = renderDefragScript();
        const backupEnv = renderBackupEnv({
            dir: `${paths.mount}/snapshots`,
            keep: etcd.backup.keep,
            endpoint: args.backupTarget.endpoint,
            bucket: args.backupTarget.bucket,
            region: args.backupTarget.region,
            prefix: args.backupTarget.prefix,
        });
        const credentials = pulumi
            .all([args.backupTarget.accessKeyId, args.backupTarget.secretAccessKey])
            .apply(([id, key]) => renderBackupCredentialsEnv(id, key));
        const backupUnits = renderTimerUnits({
            description: `etcd snapshot of ${args.cluster} to the object store`,
            script: conf("etcd-backup.sh"),
            environmentFiles: [conf("etcdctl.env"), conf("backup.env"), conf("backup-credentials.env")],
            onCalendar: etcd.backup.onCalendar,
        });
        const defragUnits = renderTimerUnits({
            description: `etcd defragmentation of ${args.cluster}, one member at a time`,
            script: conf("etcd-defrag.sh"),
            environmentFiles: [conf("etcdctl.env")],
            onCalendar: etcd.backup.defragOnCalendar,
            randomizedDelaySec: 0,
        });

        const starts: remote.Command[] = [];
        const hosts: Host[] = [];
        etcd.hosts.forEach((spec, i) => {
            const member = members[i];
            const host = new Host(this, name, member, args.login);
            hosts.push(host);
            const dirs = host.dirs(
                [
                    { path: paths.configDir, group: "etcd" },
                    { path: paths.pkiDir, group: "etcd" },
                ],
                [{ name: "etcd", home: paths.mount }],
            );
            // Holds the member's data: never deleted or replaced by the program.
            const disk = host.run("data-disk", renderDataDiskScript(spec.nvmeDevice, paths.mount), { dependsOn: [dirs], protect: true });
            const packages = host.run("packages", renderEtcdPackagesScript(aptInstall(`${pinned(["awscli"])} curl ca-certificates`)), {
                dependsOn: [dirs],
            });
            const server = pki.etcdServer[member.name];
            const peer = pki.etcdPeer[member.name];

            const config = renderEtcdConfig({
                member,
                members,
                token: clusterToken,
                tuning: etcd.tuning,
                paths,
                metricsListener: etcd.metricsListener,
            });
            const unit = renderEtcdUnit(member, paths);
            const env = renderEtcdctlEnv(member, members, paths);
            // Everything in the config and PKI directories is root-owned, group etcd (the member and the
            // backup service run as etcd): certificates and keys 0640 (CIS Kubernetes Benchmark 1.1.7, 1.1.11).
            const after = { dependsOn: [dirs], group: "etcd" };
            const memberFiles = [
                host.file("config", conf("etcd.conf.yml"), config, after),
                host.file("unit", conf(ETCD_UNITS.member), unit, after),
                host.file("etcdctl-env", conf("etcdctl.env"), env, after),
                host.file("ca-cert", pkiFile(ETCD_PKI.ca), pki.etcdCa.certPem, after),
                host.file("server-cert", pkiFile(ETCD_PKI.serverCert), server.certPem, after),
                host.file("server-key", pkiFile(ETCD_PKI.serverKey), server.keyPem, { ...after, secret: true }),
                host.file("peer-cert", pkiFile(ETCD_PKI.peerCert), peer.certPem, after),
                host.file("peer-key", pkiFile(ETCD_PKI.peerKey), peer.keyPem, { ...after, secret: true }),
                host.file("etcdctl-cert", pkiFile(ETCD_PKI.etcdctlCert), pki.etcdctl.certPem, after),
                host.file("etcdctl-key", pkiFile(ETCD_PKI.etcdctlKey), pki.etcdctl.keyPem, { ...after, secret: true }),
            ];
            // Before the first member starts: members the spec no longer lists leave the running cluster.
            const membership =
                i === 0
                    ? [
                          host.run("membership", renderEtcdMembershipScript(listed, paths), {
                              triggers: listed.map((m) => peerUrl(m)),
                              dependsOn: [packages, ...memberFiles],
                          }),
                      ]
                    : [];
            // Members restart one after the other: each start waits for the previous member's. What etcd
            // reads only at bootstrap (the members) is no trigger: adding a member restarts no other.
            const start = host.run("start", renderMemberStartScript(member, paths), {
                triggers: [withoutBootstrapMembers(config), unit, pki.etcdCa.certPem, server.certPem, server.keyPem, peer.certPem, peer.keyPem],
                dependsOn: [disk, packages, ...memberFiles, ...membership, ...starts.slice(-1)],
            });
            starts.push(start);
        });

        // The gate: every member healthy over mTLS, checked from the first member.
        this.healthy = hosts[0].run("healthy", renderClusterHealthScript(this.endpoints, paths), {
            triggers: starts.map((s) => s.id),
            dependsOn: starts,
        });

        // Backups and defragmentation start once the cluster is healthy; the restore script waits beside them.
        hosts.forEach((host, i) => {
            const after = { dependsOn: [this.healthy], group: "etcd" };
            const restore = renderEtcdRestoreScript({ member: members[i], members, token: clusterToken, paths });
            host.file("restore-script", conf("etcd-restore.sh"), restore, { ...after, mode: "0750" });
            const files = [
                host.file("backup-script", conf("etcd-backup.sh"), backupScript, { ...after, mode: "0750" }),
                host.file("backup-env", conf("backup.env"), backupEnv, after),
                host.file("backup-credentials", conf("backup-credentials.env"), credentials, { ...after, secret: true }),
                host.file("backup-service", conf(ETCD_UNITS.backupService), backupUnits.service, after),
                host.file("backup-timer", conf(ETCD_UNITS.backupTimer), backupUnits.timer, after),
                host.file("defrag-script", conf("etcd-defrag.sh"), defragScript, { ...after, mode: "0750" }),
                host.file("defrag-service", conf(ETCD_UNITS.defragService), defragUnits.service, after),
                host.file("defrag-timer", conf(ETCD_UNITS.defragTimer), defragUnits.timer, after),
            ];
            host.run("timers", renderTimersScript(paths), {
                triggers: [backupScript, backupEnv, credentials, backupUnits.service, backupUnits.timer, defragScript, defragUnits.service, defragUnits.timer],
                dependsOn: files,
            });
        });

        this.registerOutputs({ endpoints: this.endpoints, healthy: this.healthy.id });
    }

    /**
     * Takes the retiring members out, one after the other, once `apiServers` (every control-plane
     * host's configuration, which lists only the serving members) have run and the serving members
     * are healthy: each `<cluster>-etcd-<member>-retire` removes its member from the cluster, stops
     * it, sets its data aside and deletes its keys (renderEtcdRetireScript). Then the user removes the
     * members from the spec, which runs nothing.
     */
    retire(apiServers: pulumi.Resource[]): remote.Command[] {
        const steps: remote.Command[] = [];
        for (const { member, host, disk } of this.leaving) {
            steps.push(
                host.run("retire", renderEtcdRetireScript(member, this.serving, this.paths), {
                    dependsOn: [disk, this.healthy, ...apiServers, ...steps.slice(-1)],
                }),
            );
        }
        return steps;
    }
}
