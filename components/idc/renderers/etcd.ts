// Pure renderers for an etcd member on a dedicated NVMe host: the data disk, the member's YAML
// config (`etcd --config-file`), its systemd units, and the backup and defragmentation scripts.
import { envLine, indent, retryUntil, shq } from "./shell";
import { stringify } from "yaml";
import type { IdcClusterShape as IdcClusterSpec } from "../types";
import { APT_RETRY_FUNCTION, aptUpdate } from "./node";
import { byText } from "../../core/order";

export type EtcdTuning = IdcClusterSpec["etcd"]["tuning"];

export interface EtcdMember {
    name: string;
    address: string;
}

/** Where a member keeps its files; tests move them to a temp dir, hosts use ETCD_PATHS. */
export interface EtcdPaths {
    configDir: string;
    pkiDir: string;
    /** The NVMe mount point; the member's data dir is `<mount>/data`. */
    mount: string;
}

export const ETCD_PATHS: EtcdPaths = { configDir: "/etc/etcd", pkiDir: "/etc/etcd/pki", mount: "/var/lib/etcd" };

/** IANA ports for etcd clients and peers; 2381 is kubeadm's metrics port for etcd. */
export const ETCD_PORTS = { client: 2379, peer: 2380, metrics: 2381 } as const;

/** Ports a member listens on; tests running several members on one machine may move them. */
export type EtcdPorts = { client: number; peer: number; metrics: number };

/** The member's unit and the backup/defragmentation units, linked from configDir (`systemctl link`). */
export const ETCD_UNITS = {
    member: "etcd-member.service",
    backupService: "etcd-backup.service",
    backupTimer: "etcd-backup.timer",
    defragService: "etcd-defrag.service",
    defragTimer: "etcd-defrag.timer",
} as const;

export const clientUrl = (m: EtcdMember, ports: EtcdPorts = ETCD_PORTS) => `https://${m.address}:${ports.client}`;
export const peerUrl = (m: EtcdMember, ports: EtcdPorts = ETCD_PORTS) => `https://${m.address}:${ports.peer}`;
export const dataDir = (paths: EtcdPaths) => `${paths.mount}/data`;

/** File names of the member's certificates inside pkiDir. */
export const ETCD_PKI = {
    ca: "ca.crt",
    serverCert: "server.crt",
    serverKey: "server.key",
    peerCert: "peer.crt",
    peerKey: "peer.key",
    /** The client certificate etcdctl uses on the host (health, backup, defrag). */
    etcdctlCert: "etcdctl.crt",
    etcdctlKey: "etcdctl.key",
} as const;

export interface EtcdConfigInput {
    member: EtcdMember;
    members: EtcdMember[];
    /** initial-cluster-token: unique per cluster, so members never join a foreign cluster. */
    token: string;
    tuning: EtcdTuning;
    paths?: EtcdPaths;
    ports?: EtcdPorts;
    /** Where the plain metrics listener binds: "member" (its routable address, scraped by Prometheus) or "localhost" (as kubeadm binds it). */
    metricsListener: "localhost" | "member";
}

/**
 * The member's etcd.conf.yml. Every key exists in etcd 3.4, 3.5 and 3.6 (no `enable-v2`, no
 * `experimental-*`, no 3.5-only `tls-min-version`).
 */
export function renderEtcdConfig(input: EtcdConfigInput): string {
    const { member, members, tuning } = input;
    const paths = input.paths ?? ETCD_PATHS;
    const ports = input.ports ?? ETCD_PORTS;
    const pki = (file: string) => `${paths.pkiDir}/${file}`;
    const transport = (cert: string, key: string) => ({
        "cert-file": pki(cert),
        "key-file": pki(key),
        "client-cert-auth": true,
        "trusted-ca-file": pki(ETCD_PKI.ca),
        "auto-tls": false,
    });
    const config = {
        name: member.name,
        "data-dir": dataDir(paths),
        // The member's address only: etcdctl on the host uses it too (etcdctl.env).
        "listen-client-urls": clientUrl(member, ports),
        "advertise-client-urls": clientUrl(member, ports),
        "listen-peer-urls": peerUrl(member, ports),
        "initial-advertise-peer-urls": peerUrl(member, ports),
        "initial-cluster": members.map((m) => `${m.name}=${peerUrl(m, ports)}`).join(","),
        "initial-cluster-token": input.token,
        // Only read at bootstrap: a member with data ignores it (etcd docs, "Clustering guide").
        "initial-cluster-state": "new",
        // Plain HTTP, /metrics and /health only (etcd embed serveMetrics): no keys, no values, no credential.
        "listen-metrics-urls": `http://${input.metricsListener === "member" ? member.address : "127.0.0.1"}:${ports.metrics}`,
        "client-transport-security": transport(ETCD_PKI.serverCert, ETCD_PKI.serverKey),
        "peer-transport-security": transport(ETCD_PKI.peerCert, ETCD_PKI.peerKey),
        "heartbeat-interval": tuning.heartbeatIntervalMs,
        "election-timeout": tuning.electionTimeoutMs,
        "quota-backend-bytes": tuning.quotaBackendBytes,
        "snapshot-count": tuning.snapshotCount,
        "auto-compaction-mode": tuning.autoCompactionMode,
        "auto-compaction-retention": tuning.autoCompactionRetention,
        "max-request-bytes": tuning.maxRequestBytes,
        // Refuse member changes that would lose quorum.
        "strict-reconfig-check": true,
        logger: "zap",
        "log-outputs": ["stderr"],
    };
    return `# etcd member ${member.name}: rendered by hybrid-fleet, do not edit.\n` + stringify(config);
}

/** etcdctl's environment on the host: the local member over mTLS with the etcdctl client certificate. */
export function renderEtcdctlEnv(member: EtcdMember, members: EtcdMember[], paths: EtcdPaths = ETCD_PATHS, ports: EtcdPorts = ETCD_PORTS): string {
    return [
        "ETCDCTL_API=3",
        `ETCDCTL_ENDPOINTS=${clientUrl(member, ports)}`,
        // Every member, for the defragmentation that visits them in turn.
        `ETCD_MEMBER_ENDPOINTS=${members.map((m) => clientUrl(m, ports)).join(",")}`,
        `ETCDCTL_CACERT=${paths.pkiDir}/${ETCD_PKI.ca}`,
        `ETCDCTL_CERT=${paths.pkiDir}/${ETCD_PKI.etcdctlCert}`,
        `ETCDCTL_KEY=${paths.pkiDir}/${ETCD_PKI.etcdctlKey}`,
        "",
    ].join("\n");
}

/** The member's systemd unit (Debian's packaged etcd.service is masked: it runs a default single-node config). */
export function renderEtcdUnit(member: EtcdMember, paths: EtcdPaths = ETCD_PATHS): string {
    return `[Unit]
Description=etcd member ${member.name}
Documentation=https://etcd.io/docs/
After=network-online.target
Wants=network-online.target
RequiresMountsFor=${paths.mount}

[Service]
Type=notify
User=etcd
Group=etcd
ExecStart=${ETCD_BIN_DIR}/etcd --config-file ${paths.configDir}/etcd.conf.yml
Restart=on-failure
RestartSec=5s
LimitNOFILE=65536
# etcd docs, "Tuning" (Disk): give etcd the highest best-effort I/O priority (ionice -c2 -n0).
IOSchedulingClass=best-effort
IOSchedulingPriority=0

[Install]
WantedBy=multi-user.target
`;
}

/**
 * Prepares the NVMe data disk: formats it only when blkid finds no signature at all (exit 2),
 * never on a device that holds a filesystem or a partition table; mounts it with noatime by UUID.
 * A changed nvmeDevice must not format a second device and mount it over the data: the script
 * refuses when the mount point already holds (or fstab already mounts there) another device's
 * filesystem, and writes at most one fstab line per mount point. A changed dataDir must not mount
 * the disk a second time: it refuses when fstab mounts the device's filesystem elsewhere. `fstab`
 * is a parameter for tests.
 */
export function renderDataDiskScript(device: string, mount: string, fstab = "/etc/fstab"): string {
    return `set -euo pipefail
dev=${shq(device)}
mnt=${shq(mount)}
fstab=${shq(fstab)}
test -b "$dev" || { echo "$dev is not a block device" >&2; exit 1; }
if mountpoint -q "$mnt"; then
  src=$(findmnt -no SOURCE "$mnt")
  if [ "$(readlink -f "$src")" != "$(readlink -f "$dev")" ]; then
    echo "$mnt already holds $src, not $dev: refusing (move the data before changing nvmeDevice)" >&2; exit 1
  fi
fi
# fstab(5): the second field is the mount point; comments start with #.
entries=$(awk -v m="$mnt" '$1 !~ /^#/ && $2 == m { print $1 }' "$fstab")
count=$(printf '%s' "$entries" | grep -c . || true)
if [ "$count" -gt 1 ]; then echo "$fstab has $count entries for $mnt: refusing" >&2; exit 1; fi
set +e
blkid -p "$dev" >/dev/null 2>&1
found=$?
set -e
cur=""
if [ "$found" -eq 0 ]; then cur=$(blkid -s UUID -o value "$dev" || true); fi
# Its filesystem already in fstab on another mount point: etcd.dataDir changed on a running host.
# A second line would mount the disk twice, and etcd would start on an empty data directory.
if [ -n "$cur" ]; then
  other=$(awk -v u="UUID=$cur" -v m="$mnt" '$1 !~ /^#/ && $1 == u && $2 != m { print $2; exit }' "$fstab")
  if [ -n "$other" ]; then
    echo "$fstab mounts $dev (UUID=$cur) on $other, not $mnt: refusing (etcd.dataDir changed on a running host: move the data first)" >&2; exit 1
  fi
fi
if [ -n "$entries" ]; then
  if [ "$entries" != "UUID=$cur" ]; then
    echo "$fstab mounts $entries on $mnt, not $dev (UUID=\${cur:-none}): refusing (move the data before changing nvmeDevice)" >&2; exit 1
  fi
fi
case $found in
  0) echo "$dev already holds a filesystem or partition table: keeping it" ;;
  2) echo "$dev is blank: formatting"; mkfs.ext4 -q -L etcd-data "$dev" ;;
  *) echo "blkid -p $dev exited $found: refusing to format" >&2; exit 1 ;;
esac
uuid=$(blkid -s UUID -o value "$dev")
test -n "$uuid" || { echo "$dev has no filesystem UUID" >&2; exit 1; }
install -d -m 0700 "$mnt"
if [ -z "$entries" ]; then
  # nofail: a dead NVMe must not drop the host into emergency mode (no SSH); etcd's unit has
  # RequiresMountsFor=, so it never starts on the root disk instead (systemd.mount(5), systemd.unit(5)).
  echo "UUID=$uuid $mnt ext4 defaults,noatime,nofail 0 2" >> "$fstab"
fi
# Hosts prepared before nofail was added get it too.
sed -i -E "s#^(UUID=$uuid $mnt ext4 defaults,noatime) 0 2\\$#\\1,nofail 0 2#" "$fstab"
systemctl daemon-reload
mountpoint -q "$mnt" || mount "$mnt"
findmnt -no OPTIONS "$mnt" | grep -qw noatime
install -d -o etcd -g etcd -m 0700 "$mnt/data"
chown etcd:etcd "$mnt"
`;
}

/** Waits until every member answers `etcdctl endpoint health` over mTLS; exits non-zero after the timeout. */
export function renderHealthWaitScript(endpoints: string[], timeoutSeconds = 300): string {
    return `set -euo pipefail
deadline=$(( $(date +%s) + ${timeoutSeconds} ))
# etcdctl refuses --endpoints while ETCDCTL_ENDPOINTS (etcdctl.env) is set: unset it for this call.
until env -u ETCDCTL_ENDPOINTS etcdctl --endpoints=${endpoints.join(",")} endpoint health; do
  if [ "$(date +%s)" -ge "$deadline" ]; then echo "etcd members not healthy after ${timeoutSeconds}s" >&2; exit 1; fi
  sleep 5
done
`;
}

/** Shell: `member` and `leader` set from what `statusCommand` prints (`etcdctl endpoint status -w fields`: decimal ids). */
const memberAndLeader = (statusCommand: string) => `status=$(${statusCommand})
member=$(sed -n 's/^"MemberID" : //p' <<<"$status")
leader=$(sed -n 's/^"Leader" : //p' <<<"$status")`;

/** Shell that exits 0 from the script when the local member is not the leader (one backup per cluster). */
const LEADER_ONLY = `${memberAndLeader("etcdctl endpoint status -w fields")}
if [ -z "$member" ] || [ "$member" != "$leader" ]; then
  echo "member $member is not the leader ($leader): nothing to do"
  exit 0
fi`;

// What the backup and restore scripts share to reach the backup store through Debian's AWS CLI.
/** No profile or config file on the host: the endpoint, region and keys are all in the environment. */
const STORE_ENV =
    "export AWS_DEFAULT_REGION=${BACKUP_S3_REGION:-us-east-1} AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true";
const S3_FUNCTION = `s3() { aws --endpoint-url "$BACKUP_S3_ENDPOINT" --no-cli-pager "$@"; }`;
/** The store's snapshot keys, one per line ("None" when there is none: the AWS CLI's text output). */
const LIST_SNAPSHOTS = `s3 s3api list-objects-v2 --bucket "$BACKUP_S3_BUCKET" --prefix "$BACKUP_S3_PREFIX/etcd-snapshot-" --query 'Contents[].Key' --output text | tr '\\t' '\\n'`;

/**
 * The backup script (run by etcd-backup.service on every member; only the leader acts).
 * Reads its settings from the environment (etcdctl.env + backup.env + backup-credentials.env):
 *   BACKUP_DIR, BACKUP_KEEP (copies in the store), BACKUP_LOCAL_KEEP (copies in BACKUP_DIR, at most
 *   BACKUP_KEEP), BACKUP_S3_ENDPOINT, BACKUP_S3_BUCKET, BACKUP_S3_PREFIX, BACKUP_S3_REGION,
 *   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY.
 * Upload, listing and deletion go through the AWS CLI (Debian's awscli): SigV4 with the payload
 * hash, multipart above 8 MiB (a snapshot may be as big as the 8 GiB quota, a single PUT stops at
 * 5 GB), pagination of the listing. Credentials come from the environment only, never argv.
 * Local copies are pruned in the EXIT trap, so a failed upload never piles snapshots on the disk.
 */
export function renderBackupScript(): string {
    return `#!/bin/bash
# etcd snapshot: save from the leader, verify, upload, keep BACKUP_KEEP copies in the store and
# at most BACKUP_LOCAL_KEEP (<= BACKUP_KEEP) here, whether the upload worked or not.
set -euo pipefail
umask 077
: "\${BACKUP_DIR:?}" "\${BACKUP_KEEP:?}" "\${BACKUP_S3_ENDPOINT:?}" "\${BACKUP_S3_BUCKET:?}" "\${BACKUP_S3_PREFIX:?}"
: "\${AWS_ACCESS_KEY_ID:?}" "\${AWS_SECRET_ACCESS_KEY:?}"
${LEADER_ONLY}

local_keep=\${BACKUP_LOCAL_KEEP:-$BACKUP_KEEP}
if [ "$local_keep" -gt "$BACKUP_KEEP" ]; then local_keep=$BACKUP_KEEP; fi
name="etcd-snapshot-$(date -u +%Y%m%dT%H%M%SZ).db"
part="$BACKUP_DIR/.$name.part"
install -d -m 0700 "$BACKUP_DIR"
prune_local() {
  rm -f "$part"
  find "$BACKUP_DIR" -maxdepth 1 -name 'etcd-snapshot-*.db' -printf '%f\\n' | sort | head -n -"$local_keep" | sed "s#^#$BACKUP_DIR/#" | xargs -r rm -f
}
trap 'prune_local || echo "pruning $BACKUP_DIR failed" >&2' EXIT
etcdctl snapshot save "$part"
# etcd 3.6 moved offline snapshot commands to etcdutl; 3.4 only has etcdctl's.
if command -v etcdutl >/dev/null; then etcdutl snapshot status -w table "$part"; else etcdctl snapshot status -w table "$part"; fi
mv "$part" "$BACKUP_DIR/$name"

# No profile or config file on the host: the endpoint, region and keys are all in the environment.
${STORE_ENV}
${S3_FUNCTION}
s3 s3 cp --only-show-errors "$BACKUP_DIR/$name" "s3://$BACKUP_S3_BUCKET/$BACKUP_S3_PREFIX/$name"
keys=$(${LIST_SNAPSHOTS} | grep -v '^None$' | sort)
grep -qxF "$BACKUP_S3_PREFIX/$name" <<<"$keys" || { echo "$name is not listed in the store after the upload" >&2; exit 1; }
for key in $(head -n -"$BACKUP_KEEP" <<<"$keys"); do s3 s3 rm --only-show-errors "s3://$BACKUP_S3_BUCKET/$key"; done
echo "saved $name"
`;
}

/** Settings of the backup script that are not secret (the credentials go in backup-credentials.env). */
export function renderBackupEnv(args: {
    dir: string;
    keep: number;
    localKeep?: number;
    endpoint: string;
    bucket: string;
    prefix: string;
    region: string;
}): string {
    return [
        envLine("BACKUP_DIR", args.dir),
        envLine("BACKUP_KEEP", args.keep),
        // Local copies only bridge an upload outage; each can be as big as the 8 GiB quota.
        envLine("BACKUP_LOCAL_KEEP", args.localKeep ?? 2),
        envLine("BACKUP_S3_ENDPOINT", args.endpoint),
        envLine("BACKUP_S3_BUCKET", args.bucket),
        envLine("BACKUP_S3_PREFIX", args.prefix),
        envLine("BACKUP_S3_REGION", args.region),
        "",
    ].join("\n");
}

export function renderBackupCredentialsEnv(accessKeyId: string, secretAccessKey: string): string {
    return `AWS_ACCESS_KEY_ID=${accessKeyId}\nAWS_SECRET_ACCESS_KEY=${secretAccessKey}\n`;
}

/**
 * Weekly defragmentation (etcd docs, "Maintenance"): the leader's timer visits every member one
 * at a time, followers first, and waits for each to be healthy before the next. DEFRAG_PAUSE_SECONDS
 * (default 10, not set on the hosts) lets a defragmented member catch up before the next one blocks.
 */
export function renderDefragScript(): string {
    return `#!/bin/bash
set -euo pipefail
: "\${ETCD_MEMBER_ENDPOINTS:?}" "\${ETCDCTL_ENDPOINTS:?}"
${LEADER_ONLY}

self=$ETCDCTL_ENDPOINTS
order=$(tr ',' '\\n' <<<"$ETCD_MEMBER_ENDPOINTS" | grep -vxF "$self" || true)
# etcdctl refuses --endpoints while ETCDCTL_ENDPOINTS is set.
at() { local ep=$1; shift; env -u ETCDCTL_ENDPOINTS etcdctl --endpoints="$ep" "$@"; }
for ep in $order $self; do
  echo "defragmenting $ep"
  at "$ep" --command-timeout=120s defrag
  for _ in $(seq 30); do at "$ep" endpoint health && break; sleep 2; done
  at "$ep" endpoint health
  sleep "\${DEFRAG_PAUSE_SECONDS:-10}"
done
`;
}

/** A oneshot service for a script plus the timer that starts it. */
export function renderTimerUnits(args: { description: string; script: string; environmentFiles: string[]; onCalendar: string; randomizedDelaySec?: number }): {
    service: string;
    timer: string;
} {
    // Requisite, not Requires: a timer must never start a member the operator stopped (a restore,
    // maintenance); the run fails instead (systemd.unit(5): Requires= starts the listed units too).
    const service = `[Unit]
Description=${args.description}
After=${ETCD_UNITS.member}
Requisite=${ETCD_UNITS.member}

[Service]
Type=oneshot
User=etcd
Group=etcd
${args.environmentFiles.map((f) => `EnvironmentFile=${f}`).join("\n")}
ExecStart=${args.script}
`;
    const timer = `[Unit]
Description=${args.description} (timer)

[Timer]
OnCalendar=${args.onCalendar}
RandomizedDelaySec=${args.randomizedDelaySec ?? 60}
Persistent=true

[Install]
WantedBy=timers.target
`;
    return { service, timer };
}

/**
 * The etcd the members run: etcd's own release, not Debian 12's etcd-server 3.4.23, which is out of
 * support since 3.6 came out (etcd docs, "Versioning": "When v3.6 is released, v3.4 goes out of
 * support") and below what kubeadm takes as an external etcd (cmd/kubeadm/app/constants
 * MinExternalEtcdVersion "3.5.24-0": `kubeadm init` stops in preflight). 3.5 is one minor up
 * from a member still on Debian's 3.4 (etcd upgrades one minor at a time, a member at a time,
 * which the start script does) and supported while 3.6 is the newest. The sha256 of each release
 * tarball as kubespray pins it (roles/kubespray_defaults/vars/main/checksums.yml, etcd_binary_checksums).
 */
export const ETCD_RELEASE = {
    version: "3.5.33",
    sha256: {
        amd64: "5025b5b24d81a9616b6e284ccd439b9a3df055ef8fdcdc142af3ec8f6a3b3c95",
        arm64: "0764c5c0acef155f4bfa0487791cc5776adef66315bf16ec0653883bfd463a90",
    } as Record<string, string>,
    /** Where the release tarballs are (etcd's GitHub releases): `<base>/v<version>/etcd-v<version>-linux-<arch>.tar.gz`. */
    downloadBase: "https://github.com/etcd-io/etcd/releases/download",
};

/** Where the etcd binaries go: out of the package manager's way (a Debian etcd-server left from before stays unused). */
export const ETCD_BIN_DIR = "/usr/local/bin";

/**
 * Installs etcd, etcdctl and etcdutl of `release` into binDir unless `etcd --version` there already
 * says that version: the tarball for the host's architecture, checked against its pinned sha256
 * before anything is unpacked. Meant inside a `set -euo pipefail` script.
 */
export function renderEtcdBinaryInstall(release = ETCD_RELEASE, binDir = ETCD_BIN_DIR): string {
    const sums = Object.entries(release.sha256)
        .map(([arch, sum]) => `  ${arch}) sum=${sum} ;;`)
        .join("\n");
    return `etcd_version=${shq(release.version)}
if [ "$(${shq(binDir)}/etcd --version 2>/dev/null | sed -n 's/^etcd Version: //p')" != "$etcd_version" ]; then
  arch=$(dpkg --print-architecture)
  case "$arch" in
${sums}
  *) echo "no etcd $etcd_version release pinned for $arch" >&2; exit 1 ;;
  esac
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  name="etcd-v$etcd_version-linux-$arch"
  curl -fsSL --retry 5 --retry-connrefused -o "$tmp/$name.tar.gz" ${shq(release.downloadBase)}"/v$etcd_version/$name.tar.gz"
  echo "$sum  $tmp/$name.tar.gz" | sha256sum --check --strict --quiet -
  tar -xzf "$tmp/$name.tar.gz" -C "$tmp" "$name/etcd" "$name/etcdctl" "$name/etcdutl"
  install -m 0755 "$tmp/$name/etcd" "$tmp/$name/etcdctl" "$tmp/$name/etcdutl" ${shq(binDir)}/
fi
`;
}

/**
 * Installs the member's software: etcd's release (renderEtcdBinaryInstall) and the backup's Debian
 * packages. Debian's etcd.service (from an etcd-server package of an earlier setup) would start a
 * default single-node etcd, so it stays masked.
 */
export function renderEtcdPackagesScript(packages: string, release = ETCD_RELEASE): string {
    return `set -euo pipefail
${APT_RETRY_FUNCTION}
systemctl mask etcd.service
${aptUpdate()}
${packages}
${renderEtcdBinaryInstall(release)}`;
}

/**
 * A learner added to a running cluster gets this long to catch up and be promoted (60 x 5 s, our
 * bound; an empty member catches up in seconds, one with gigabytes of data needs the snapshot
 * transfer first).
 */
export const LEARNER_PROMOTE_WAIT = { tries: 60, sleepSeconds: 5 } as const;
/** How long a new member's add is retried while etcd refuses it as unhealthy (24 x 5 s, our bound). */
export const MEMBER_ADD_WAIT = { tries: 24, sleepSeconds: 5 } as const;

/** The member's etcdctl: etcdctl.env sourced, ETCDCTL_ENDPOINTS unset (etcdctl refuses it beside --endpoints), bounded. */
const CTL_FUNCTION = `ctl() { env -u ETCDCTL_ENDPOINTS etcdctl --dial-timeout=3s --command-timeout=10s "$@"; }`;

/** awk over "etcdctl member list" lines (its simple format): "ID, status, name, peer URLs, client URLs, is learner". */
const memberField = (field: "$1" | "$6", peer: string) => `awk -F', ' -v u=${peer} '$4 == u { print ${field} }'`;

/**
 * Starts or restarts the member, never at the cost of the quorum, and joins a running cluster as a
 * new member. The script depends only on the member itself: the spec's other members come from
 * etcdctl.env (ETCD_MEMBER_ENDPOINTS) and the cluster's from `etcdctl member list`, so a change of
 * membership does not re-run (restart) the members already in the cluster.
 * - With data (it has run in the cluster): restarts only while every other member the cluster lists
 *   answers health, and returns once it is healthy again, so members restart one after the other and
 *   a member left down stops the chain instead of a second one going down with it.
 * - Without data, when the spec's other members answer as a cluster: it joins it as etcd's
 *   "Runtime reconfiguration" does: added as a learner (etcd "Learner": it does not count for the
 *   quorum while it catches up), started with initial-cluster-state existing and the cluster's members
 *   as initial-cluster, promoted once in sync (LEARNER_PROMOTE_WAIT), then waited for. A member the
 *   cluster lists already (added before, or in a new cluster that has its quorum without it) is not
 *   added again.
 * - Without data and no cluster answering: a new cluster is bootstrapping, and a lone new member
 *   cannot be healthy without quorum, so it starts without waiting (--no-block); the cluster's
 *   health step waits for all of them.
 */
export function renderMemberStartScript(member: EtcdMember, paths: EtcdPaths = ETCD_PATHS): string {
    const body = (script: string) => script.replace("set -euo pipefail\n", "");
    const peer = peerUrl(member);
    const config = `${paths.configDir}/etcd.conf.yml`;
    return `set -euo pipefail
chgrp -R etcd ${paths.configDir}
chmod -R g+rX,o-rwx ${paths.configDir}
systemctl link ${paths.configDir}/${ETCD_UNITS.member}
systemctl daemon-reload
systemctl enable ${ETCD_UNITS.member}
set -a; . ${paths.configDir}/etcdctl.env; set +a
${CTL_FUNCTION}
# The spec's other members (etcdctl.env lists every one).
others=$(tr ',' '\\n' <<<"$ETCD_MEMBER_ENDPOINTS" | grep -vxF ${clientUrl(member)} | paste -sd, - || true)
if [ -d ${dataDir(paths)}/member ]; then
  # A lone member restarts as it is; otherwise the cluster's other members as it lists them
  # ("unstarted" for one added that never ran) must all be healthy.
  if [ -n "$others" ]; then
    if ! list=$(ctl --endpoints=${clientUrl(member)},"$others" member list); then
      echo "not restarting ${member.name}: the cluster does not answer (etcdctl member list above)" >&2
      exit 1
    fi
    peers=$(printf '%s\\n' "$list" | awk -F', ' -v u=${peer} '$4 != u { printf "%s%s", s, ($5 == "" ? "unstarted" : $5); s = "," }')
    # Restarting while another member is down could leave the cluster without a quorum: refuse.
    if [ -n "$peers" ] && ! ctl --endpoints="$peers" endpoint health; then
      echo "not restarting ${member.name}: the other members are not all healthy (etcdctl endpoint health above); bring them back first" >&2
      exit 1
    fi
  fi
  systemctl restart ${ETCD_UNITS.member}
${body(renderHealthWaitScript([clientUrl(member)], 120))}elif [ -n "$others" ] && list=$(ctl --endpoints="$others" member list 2>/dev/null); then
  # etcd's strict-reconfig-check refuses an add ("unhealthy cluster") until the leader has heard
  # every voting member for 5 s (etcdserver HealthInterval): retried, bounded.
${indent(
    retryUntil({
        condition: `[ -n "$(ctl --endpoints="$others" member list | ${memberField("$1", peer)})" ]`,
        attempt: `ctl --endpoints="$others" member add ${member.name} --peer-urls=${peer} --learner`,
        tries: MEMBER_ADD_WAIT.tries,
        sleepSeconds: MEMBER_ADD_WAIT.sleepSeconds,
        failure: `${member.name} was not added to the cluster after ${MEMBER_ADD_WAIT.tries * MEMBER_ADD_WAIT.sleepSeconds} s (etcdctl member add above)`,
    }),
)}
  list=$(ctl --endpoints="$others" member list)
  initial=$(printf '%s\\n' "$list" | awk -F', ' -v u=${peer} '{ printf "%s%s=%s", s, ($4 == u ? "${member.name}" : $3), $4; s = "," }')
  sed -i -e "s|^initial-cluster: .*|initial-cluster: $initial|" -e 's|^initial-cluster-state: new$|initial-cluster-state: existing|' ${config}
  chgrp etcd ${config}
  chmod 0640 ${config}
  systemctl start ${ETCD_UNITS.member}
${indent(
    retryUntil({
        condition: `[ "$(ctl --endpoints="$others" member list | ${memberField("$6", peer)})" = false ]`,
        attempt: `ctl --endpoints="$others" member promote "$(ctl --endpoints="$others" member list | ${memberField("$1", peer)})"`,
        tries: LEARNER_PROMOTE_WAIT.tries,
        sleepSeconds: LEARNER_PROMOTE_WAIT.sleepSeconds,
        failure: `${member.name} is still a learner after ${LEARNER_PROMOTE_WAIT.tries * LEARNER_PROMOTE_WAIT.sleepSeconds} s (etcdctl member promote above): not in sync with the leader`,
    }),
)}
${body(renderHealthWaitScript([clientUrl(member)], 120))}else
  systemctl start --no-block ${ETCD_UNITS.member}
fi
`;
}

/**
 * Before any member starts, on the first member: the members the running cluster lists that the
 * spec does not (a failed member being replaced, or one added that never ran) are removed, as etcd's
 * "Runtime reconfiguration" replaces a failed member (remove it, then add the new one). One that
 * still answers health is refused instead, and nothing is removed: a member leaving the cluster is
 * stopped first, and a spec that lost a running member by mistake (a wrong address) must not take it
 * out of the cluster. Nothing answering is a new cluster: nothing to do. etcd's
 * strict-reconfig-check refuses a removal that would cost the quorum.
 */
export function renderEtcdMembershipScript(members: EtcdMember[], paths: EtcdPaths = ETCD_PATHS): string {
    const keep = ` ${members.map((m) => peerUrl(m)).join(" ")} `;
    return `set -euo pipefail
set -a; . ${paths.configDir}/etcdctl.env; set +a
${CTL_FUNCTION}
if ! list=$(ctl --endpoints="$ETCD_MEMBER_ENDPOINTS" member list 2>/dev/null); then
  echo "no member of the spec answers as a cluster: a new cluster, no membership to change"
  exit 0
fi
# "<id> <client URL or -> <name or ->" of every member whose peer URL the spec does not list.
gone=$(printf '%s\\n' "$list" | awk -F', ' -v keep='${keep}' 'index(keep, " " $4 " ") == 0 { print $1, ($5 == "" ? "-" : $5), ($3 == "" ? "-" : $3) }')
if [ -z "$gone" ]; then
  echo "every member of the cluster is in the spec"
  exit 0
fi
while read -r id client name; do
  if [ "$client" != - ] && ctl --endpoints="$client" endpoint health >/dev/null 2>&1; then
    echo "etcd member $name ($client) is not in the spec but is running: stop it first if it leaves the cluster, or correct the spec; no member removed" >&2
    exit 1
  fi
done <<<"$gone"
while read -r id client name; do
  ctl --endpoints="$ETCD_MEMBER_ENDPOINTS" member remove "$id"
  echo "removed etcd member $name ($id): not in the spec and not running"
done <<<"$gone"
`;
}

/**
 * On a retiring member, once the API servers no longer list it (stacks/idc.ts orders it after every
 * control-plane host's configuration): it leaves the cluster as etcd's "Runtime reconfiguration"
 * removes a member, and the host keeps nothing that reaches the cluster.
 * - Every serving member must answer health first: removing a member while another is down could
 *   cost the quorum (etcd's strict-reconfig-check refuses only what loses it at once).
 * - A leader hands leadership to a serving voter first (`move-leader`): a removed leader leaves the
 *   cluster without one until the next election.
 * - `member remove` through the serving members (a removed member stops itself), then the member's
 *   unit and the backup and defragmentation timers disabled and stopped.
 * - Its data (`<dataDir>/data/member`) moved aside on the same disk, not deleted: a removed member's
 *   data can never rejoin (etcd refuses it), and set aside it lets the host join again later as a new
 *   member; wiping the disk is the host's decommissioning.
 * - The configuration directory goes: the member's keys, etcdctl's client key (read and write on the
 *   whole keyspace) and the object store credentials of the backups.
 * Idempotent: a member the cluster no longer lists is not removed again; without etcdctl.env the
 * retirement is done (or the member never ran).
 */
export function renderEtcdRetireScript(member: EtcdMember, serving: EtcdMember[], paths: EtcdPaths = ETCD_PATHS): string {
    if (serving.length === 0 || serving.some((m) => m.name === member.name)) throw new Error(`serving: must list the members that stay, not ${member.name}`);
    const peer = peerUrl(member);
    const endpoints = serving.map((m) => clientUrl(m)).join(",");
    const data = dataDir(paths);
    const u = ETCD_UNITS;
    return `set -euo pipefail
if [ ! -f ${paths.configDir}/etcdctl.env ]; then
  echo "${member.name}: no etcdctl.env, retired already (or never a member)"
  exit 0
fi
set -a; . ${paths.configDir}/etcdctl.env; set +a
${CTL_FUNCTION}
if ! list=$(ctl --endpoints=${endpoints} member list); then
  echo "not retiring ${member.name}: the serving members do not answer (etcdctl member list above)" >&2
  exit 1
fi
id=$(printf '%s\\n' "$list" | ${memberField("$1", peer)})
if [ -n "$id" ]; then
  if ! ctl --endpoints=${endpoints} endpoint health; then
    echo "not retiring ${member.name}: the serving members are not all healthy (etcdctl endpoint health above); bring them back first" >&2
    exit 1
  fi
  # A member that does not answer status is not the leader: nothing to hand over.
${indent(memberAndLeader(`ctl --endpoints=${clientUrl(member)} endpoint status -w fields 2>/dev/null || true`))}
  if [ -n "$member" ] && [ "$member" = "$leader" ]; then
    to=$(printf '%s\\n' "$list" | awk -F', ' -v u=${peer} '$4 != u && $2 == "started" && $6 == "false" { print $1; exit }')
    ctl --endpoints=${clientUrl(member)} move-leader "$to"
  fi
  ctl --endpoints=${endpoints} member remove "$id"
  echo "removed ${member.name} ($id) from the cluster"
fi
for unit in ${u.backupTimer} ${u.defragTimer} ${u.backupService} ${u.defragService} ${u.member}; do
  if systemctl cat "$unit" >/dev/null 2>&1; then systemctl disable --now "$unit"; fi
done
if [ -d ${data}/member ]; then
  aside=${paths.mount}/member.removed-$(date -u +%Y%m%dT%H%M%SZ)
  mv ${data}/member "$aside"
  echo "${member.name}'s data moved to $aside"
fi
rm -rf ${paths.pkiDir} ${paths.configDir}
# The units were linked from there: systemd forgets them.
systemctl daemon-reload
`;
}

/** What a restore needs of the member: its place in the cluster and the cluster's bootstrap token. */
export interface EtcdRestoreInput {
    member: EtcdMember;
    /** Every serving member: the restored cluster's initial members. */
    members: EtcdMember[];
    /** The cluster's initial-cluster-token (etcd.conf.yml); the restored cluster's is derived from it. */
    token: string;
    paths?: EtcdPaths;
    ports?: EtcdPorts;
}

/** The snapshot names the backup script writes (`etcd-snapshot-<UTC time>.db`): all --from-store takes. */
export const SNAPSHOT_NAME = /^etcd-snapshot-[0-9]{8}T[0-9]{6}Z\.db$/;

/**
 * `etcd-restore.sh SNAPSHOT.db`, or `etcd-restore.sh --from-store <snapshot name>` (fetched from the
 * backup store first; `--list` lists the store's snapshots, oldest first): restores this member from a snapshot as etcd's "Disaster recovery" does
 * (etcd v3.5 docs, "Restoring a cluster"): on every member, with the same snapshot, while every
 * member is stopped; then each is started. It refuses while its own unit runs or any member answers
 * health (a restored member beside a serving cluster starts a second cluster). The snapshot is checked
 * (`snapshot status`, and the restore's own hash check); every member restores under the same new
 * token, `<token>-restored-<the snapshot's sha256>`, so the restored cluster is a new one (its own id)
 * that no member still holding the old data can join. The old data is set aside beside the new, never
 * deleted (`data.before-restore-<UTC time>`).
 */
export function renderEtcdRestoreScript(input: EtcdRestoreInput): string {
    const paths = input.paths ?? ETCD_PATHS;
    const ports = input.ports ?? ETCD_PORTS;
    const conf = (file: string) => shq(`${paths.configDir}/${file}`);
    const data = shq(dataDir(paths));
    const restoring = shq(`${paths.mount}/data.restoring`);
    // By name: the spec's order of the members is no part of the cluster (a reorder changes no file).
    const initial = [...input.members]
        .sort((a, b) => byText(a.name, b.name))
        .map((m) => `${m.name}=${peerUrl(m, ports)}`)
        .join(",");
    return `#!/bin/bash
# etcd member ${input.member.name}: restore from a snapshot. Rendered by hybrid-fleet, do not edit.
# On every member, with the same snapshot, every member stopped (systemctl stop ${ETCD_UNITS.member});
# then start every member (systemctl start ${ETCD_UNITS.member}).
set -euo pipefail
umask 077
usage() { echo "usage: $0 SNAPSHOT.db | --from-store etcd-snapshot-YYYYMMDDTHHMMSSZ.db | --list" >&2; exit 2; }
set -a; . ${conf("etcdctl.env")}; set +a
# The backup store, as the backup timer reaches it (its settings and credentials, nothing else).
store() {
  set -a; . ${conf("backup.env")}; . ${conf("backup-credentials.env")}; set +a
  ${STORE_ENV}
}
${S3_FUNCTION}
if [ "\${1:-}" = --list ] && [ $# -eq 1 ]; then
  store
  ${LIST_SNAPSHOTS} | { grep -v '^None$' || true; } | sed 's#.*/##' | sort
  exit 0
elif [ "\${1:-}" = --from-store ] && [ $# -eq 2 ]; then
  [[ "$2" =~ ${SNAPSHOT_NAME.source} ]] || usage
  store
  install -d -m 0700 "$BACKUP_DIR"
  snapshot="$BACKUP_DIR/$2"
  s3 s3 cp --only-show-errors "s3://$BACKUP_S3_BUCKET/$BACKUP_S3_PREFIX/$2" "$snapshot.part"
  mv "$snapshot.part" "$snapshot"
elif [ $# -eq 1 ] && [ "$1" != --from-store ] && [ "$1" != --list ]; then
  snapshot=$1
else
  usage
fi
[ -f "$snapshot" ] || { echo "no snapshot at $snapshot" >&2; exit 1; }
if systemctl is-active --quiet ${ETCD_UNITS.member}; then
  echo "${ETCD_UNITS.member} runs here: stop it on every member first" >&2
  exit 1
fi
# etcdctl asks every member at once; one that answers healthy still serves.
serving=$(env -u ETCDCTL_ENDPOINTS etcdctl --dial-timeout=2s --command-timeout=3s --endpoints="$ETCD_MEMBER_ENDPOINTS" endpoint health 2>/dev/null | grep ' is healthy' || true)
if [ -n "$serving" ]; then
  echo "$serving" >&2
  echo "a member still serves: stop ${ETCD_UNITS.member} on every member first" >&2
  exit 1
fi
# etcd 3.6 moved offline snapshot commands to etcdutl; 3.4 only has etcdctl's.
if command -v etcdutl >/dev/null; then util=etcdutl; else util=etcdctl; fi
"$util" snapshot status -w table "$snapshot"
token=${shq(input.token)}-restored-$(sha256sum "$snapshot" | cut -c1-16)
rm -rf ${restoring}
"$util" snapshot restore "$snapshot" --name ${shq(input.member.name)} --initial-cluster ${shq(initial)} \\
  --initial-cluster-token "$token" --initial-advertise-peer-urls ${shq(peerUrl(input.member, ports))} --data-dir ${restoring}
if [ -e ${data} ]; then mv ${data} ${shq(paths.mount)}/data.before-restore-"$(date -u +%Y%m%dT%H%M%SZ)"; fi
mv ${restoring} ${data}
# Owned as the disk's mount point is (etcd, set by the data-disk script).
chown -R --reference=${shq(paths.mount)} ${data}
chmod 0700 ${data}
echo "restored ${input.member.name} from $snapshot (cluster token $token); once every member is restored, start each: systemctl start ${ETCD_UNITS.member}"
`;
}

/** A member's etcd.conf.yml without what etcd reads only when it bootstraps: what a change of restarts the member for. */
export function withoutBootstrapMembers(config: string): string {
    return config.replace(/^initial-cluster: .*\n/m, "");
}

/** Waits for every member from a host with etcdctl.env. */
export function renderClusterHealthScript(endpoints: string[], paths: EtcdPaths = ETCD_PATHS): string {
    return `set -a; . ${paths.configDir}/etcdctl.env; set +a\n${renderHealthWaitScript(endpoints, 600)}`;
}

/** Links and enables the backup and defragmentation timers. */
export function renderTimersScript(paths: EtcdPaths = ETCD_PATHS): string {
    const u = ETCD_UNITS;
    return `set -euo pipefail
chgrp -R etcd ${paths.configDir}
chmod -R g+rX,o-rwx ${paths.configDir}
chmod 0750 ${paths.configDir}/etcd-backup.sh ${paths.configDir}/etcd-defrag.sh
chmod 0640 ${paths.configDir}/backup-credentials.env
for unit in ${u.backupService} ${u.backupTimer} ${u.defragService} ${u.defragTimer}; do systemctl link ${paths.configDir}/$unit; done
systemctl daemon-reload
systemctl enable --now ${u.backupTimer} ${u.defragTimer}
`;
}
