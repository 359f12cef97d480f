// Pure renderer for bringing a running host's containerd to its pin and configuration: one host at a
// time (components/idc/containerdRollout.ts), because a containerd restart on every host at once
// would leave the cluster without a working runtime anywhere if the new one failed.
import { createHash } from "crypto";
import { kubeletHealthWait, waitApiserverReady } from "./kubeadm";
import { APT_RETRY_FUNCTION, aptInstall, aptUpdate, CONTAINERD_PACKAGE, NODE_PATHS } from "./node";
import { retryUntil } from "./shell";

/** containerd's socket, which the kubelet and crictl use (containerd's default `grpc.address`). */
export const CONTAINERD_SOCKET = "unix:///run/containerd/containerd.sock";

/**
 * After the restart: containerd must answer on the CRI (`crictl version`) with the version it should
 * run, within 2 minutes (24 x 5 s, our bound), or the step fails and the rollout stops at this host.
 */
export const CONTAINERD_READY_WAIT = { tries: 24, sleepSeconds: 5 } as const;

/** The Debian version of the containerd.io pin ("2.3.6-1~debian.12~bookworm"). */
export const containerdPackageVersion = () => CONTAINERD_PACKAGE.slice(CONTAINERD_PACKAGE.indexOf("=") + 1);

/** The upstream release of the pin ("2.3.6"), as containerd reports itself over the CRI (with or without a leading v). */
export const containerdRelease = () => containerdPackageVersion().split("-")[0];

/** What NODE_PATHS.containerdApplied holds once containerd runs the pin on this configuration. */
export function containerdRecord(config: string): string {
    return `${containerdPackageVersion()} ${createHash("sha256").update(config).digest("hex")}`;
}

/**
 * One host's step: nothing when containerd last started with the pinned package and this
 * configuration (a new host's packages step records that, so a new cluster passes straight
 * through). Otherwise the pinned containerd.io (replacing Debian's containerd on a host prepared
 * before it), a restart, and a bounded wait until containerd answers on the CRI at the pinned release
 * and the kubelet is healthy (and on a control-plane host its API server ready) before the record is
 * written and the next host's step starts. Running containers are not stopped: containerd.service
 * has KillMode=process, so a restart or an upgrade leaves each container's shim running
 * (containerd/containerd containerd.service), and the node is not drained.
 * The configuration on the host must be the one this program placed (its sha256), or the step fails
 * before it changes anything.
 */
export function renderContainerdRolloutScript(input: { config: string; controlPlane: boolean }): string {
    const record = containerdRecord(input.config);
    const sha256 = record.split(" ")[1];
    const version = containerdPackageVersion();
    const { tries, sleepSeconds } = CONTAINERD_READY_WAIT;
    return `set -euo pipefail
${APT_RETRY_FUNCTION}
want='${record}'
if [ "$(sha256sum ${NODE_PATHS.containerd} | cut -d' ' -f1)" != '${sha256}' ]; then
  echo "${NODE_PATHS.containerd} is not the configuration this program placed (sha256 ${sha256}): containerd left as is" >&2
  exit 1
fi
if [ -f ${NODE_PATHS.containerdApplied} ] && [ "$(cat ${NODE_PATHS.containerdApplied})" = "$want" ]; then
  echo "containerd runs ${version} with this configuration: nothing to do"
  exit 0
fi
if [ "$(dpkg-query -W -f='\${Version}' containerd.io 2>/dev/null || true)" != '${version}' ]; then
  # containerd.io replaces Debian's containerd (Conflicts/Replaces); both may be held.
  for p in containerd.io containerd; do apt-mark unhold "$p" >/dev/null 2>&1 || true; done
  ${aptUpdate()}
  ${aptInstall(CONTAINERD_PACKAGE)}
  apt-mark hold containerd.io >/dev/null
fi
systemctl restart containerd
${retryUntil({
    condition: `[ "$(crictl --runtime-endpoint ${CONTAINERD_SOCKET} version 2>/dev/null | awk '$1 == "RuntimeVersion:" { sub(/^v/, "", $2); print $2 }')" = '${containerdRelease()}' ]`,
    tries,
    sleepSeconds,
    failure: `containerd does not answer on the CRI at ${containerdRelease()} after ${tries * sleepSeconds} s (journalctl -u containerd): the rollout stops here`,
})}
${kubeletHealthWait()}
${input.controlPlane ? `${waitApiserverReady}\n` : ""}printf '%s\\n' "$want" > ${NODE_PATHS.containerdApplied}.new
mv ${NODE_PATHS.containerdApplied}.new ${NODE_PATHS.containerdApplied}
echo "containerd runs ${version} with this configuration"
`;
}
