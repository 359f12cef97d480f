// Pure renderers for what every IDC host needs before its role: the directories this program
// writes into, pinned packages, and for Kubernetes nodes the kernel settings and containerd.
//
// Hosts run Debian 12 (bookworm). Debian packages are pinned to the bookworm versions that the
// integration tests run (`apt-cache policy` on Debian 12); Kubernetes packages come from
// pkgs.k8s.io at the spec's exact version.

import { shq } from "./shell";

/** Debian 12 package versions (apt-cache policy, bookworm + bookworm-security). */
export const DEBIAN_PACKAGES = {
    haproxy: "2.6.12-1+deb12u4",
    keepalived: "1:2.2.7-1+b2",
    // Loads the VRRP filter (renderVrrpFilter).
    nftables: "1.0.6-2+deb12u2",
    // The etcd backup's S3 client (SigV4 with payload hash, multipart uploads, custom endpoint).
    awscli: "2.9.19-1",
} as const;

/**
 * containerd from Docker's apt repository (Debian 12's containerd 1.6.20 is end of life). 2.3 is
 * containerd's current LTS (RELEASES.md: April 30, 2026 - April 30, 2028; 1.7 ended March 10, 2026,
 * 2.2 November 6, 2026), and 1.7 LTS -> 2.3 LTS is a supported direct upgrade (RELEASES.md,
 * "Upgrade path") for hosts prepared with 1.7. Version string as published in Docker's bookworm pool.
 * Kubernetes 1.35 is the last minor that supports containerd 1.x (Kubernetes 1.35 release notes):
 * 2.x is what lets the IDC clusters step to 1.36. Docker's containerd.io 2.x packages carry the
 * distribution in the version (`<version>-1~<distro>.<release>~<codename>`, docker/packaging#123;
 * pinned as e.g. `containerd.io=2.3.6-1~ubuntu.24.04~noble` and `2.1.4-1~debian.11~bullseye` in the
 * wild): the bookworm string follows that scheme.
 */
export const CONTAINERD_PACKAGE = "containerd.io=2.3.6-1~debian.12~bookworm";
export const DOCKER_APT_KEY = "/etc/apt/keyrings/docker.asc";

/**
 * The pause image kubeadm uses per Kubernetes minor (`kubeadm config images list`,
 * cmd/kubeadm/app/constants/constants.go PauseVersion): 3.10.1 from 1.34 on
 * (kubernetes/kubernetes#130713), 3.10.2 in 1.36 (kubernetes/kubernetes#138195 "update pause version
 * to registry.k8s.io/pause:3.10.2", 2026-04-03, with build/pause/CHANGELOG.md's 3.10.2 entry: Windows
 * Server 2025 images; containerd moved its default sandbox image to it the same day,
 * containerd/containerd#13156). v1.36's constants.go itself could not be read here; a kubeadm-based
 * installer corrected its table to it (kubeclipper/kubeclipper#947: "k8s 1.36 uses pause:3.10.2, not 3.10.1").
 * containerd's sandbox image must match it, or kubeadm's preflight warns and the kubelet's
 * pinned sandbox is garbage-collected.
 */
export const PAUSE_IMAGES: Record<number, string> = {
    31: "registry.k8s.io/pause:3.10",
    32: "registry.k8s.io/pause:3.10",
    33: "registry.k8s.io/pause:3.10",
    34: "registry.k8s.io/pause:3.10.1",
    35: "registry.k8s.io/pause:3.10.1",
    36: "registry.k8s.io/pause:3.10.2",
};

/** The pause image for a spec version (the spec rules keep the minor inside PAUSE_IMAGES). */
export function pauseImage(kubernetesVersion: string): string {
    const minor = Number(kubernetesVersion.split(".")[1]);
    const image = PAUSE_IMAGES[minor];
    if (!image) throw new Error(`no pause image known for Kubernetes 1.${minor}`);
    return image;
}

/**
 * A directory files are installed into: root-owned, group = the service that reads it, mode 0750
 * (0700 for key directories such as /etc/kubernetes/pki: CIS Kubernetes Benchmark 1.1.19).
 */
export interface OwnedDir {
    path: string;
    group: string;
    mode?: DirMode;
}

export type DirMode = "0700" | "0750";
/** Owner-readable only (keys, tokens, encryption config), group-readable by a service, world-readable, executable. */
export type FileMode = "0600" | "0640" | "0644" | "0750" | "0755";

/**
 * Where the SSH user's SFTP copies land before they are installed root-owned: one directory per
 * user (0700) that mirrors the target paths. @pulumi/command's CopyToRemote writes with SFTP as the
 * SSH user, so it can neither write a root-owned file nor set its owner; and SFTP does not create
 * parent directories (pulumi/pulumi-command#650), hence the mirror made by renderDirsScript.
 */
export const STAGE_ROOT = "/var/lib/hybrid-fleet/stage";

/** The staged copy of `target` for `user`. */
export const stagedPath = (user: string, target: string, stageRoot: string = STAGE_ROOT): string => `${stageRoot}/${user}${target}`;

/** The target path of a staged copy (other paths are returned as they are): what the offline plan shows. */
export function finalPathOf(remotePath: string): string {
    const prefix = `${STAGE_ROOT}/`;
    if (!remotePath.startsWith(prefix)) return remotePath;
    const rest = remotePath.slice(prefix.length);
    const slash = rest.indexOf("/");
    return slash > 0 ? rest.slice(slash) : remotePath;
}

/** How a file ends up on the host: always owned by root. */
export interface InstalledFile {
    /** The staged copy (removed once installed). */
    staged: string;
    target: string;
    group: string;
    mode: FileMode;
    /** sha256 of the content, hex: the staged copy must match it. */
    sha256: string;
}

const SAFE_PATH = /^(\/[A-Za-z0-9@%+=:,._-]+)+$/;
const LINUX_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;

/**
 * Installs a staged copy root-owned with its mode and removes the staged copy (under umask 077 the
 * new file is never readable by others before install(1) sets its mode). Re-run without
 * a staged copy (only this step's own inputs changed), it re-applies owner and mode to a target that
 * already has the expected content, and fails otherwise. The content is checked against its hash:
 * what is installed is what the program declared.
 */
export function renderInstallFileScript(f: InstalledFile): string {
    for (const [k, p] of [
        ["staged", f.staged],
        ["target", f.target],
    ] as const) {
        if (!SAFE_PATH.test(p) || p.split("/").some((seg) => seg === "." || seg === ".."))
            throw new Error(`${k}: ${JSON.stringify(p)} is not a plain absolute path`);
    }
    if (!LINUX_NAME.test(f.group)) throw new Error(`group: ${JSON.stringify(f.group)} is not a Linux group name`);
    if (!/^0[0-7]{3}$/.test(f.mode)) throw new Error(`mode: ${JSON.stringify(f.mode)} is not an octal mode`);
    if (!/^[0-9a-f]{64}$/.test(f.sha256)) throw new Error("sha256: not a hex sha256");
    const [staged, target, owner] = [shq(f.staged), shq(f.target), shq(`root:${f.group}`)];
    return `set -euo pipefail
umask 077
if [ -f ${staged} ]; then
  if ! printf '%s  %s\\n' ${f.sha256} ${staged} | sha256sum -c --status; then echo "${f.staged}: content differs from the declared one" >&2; exit 1; fi
  install -D -o root -g ${shq(f.group)} -m ${f.mode} ${staged} ${target}
  rm -f ${staged}
elif [ -f ${target} ] && printf '%s  %s\\n' ${f.sha256} ${target} | sha256sum -c --status; then
  chown ${owner} ${target}
  chmod ${f.mode} ${target}
else
  echo "${f.target}: no staged copy and no installed file with the declared content" >&2
  exit 1
fi
`;
}

export const NODE_PATHS = {
    fleetDir: "/etc/hybrid-fleet",
    sysctl: "/etc/hybrid-fleet/sysctl-kubernetes.conf",
    modules: "/etc/hybrid-fleet/modules-kubernetes.conf",
    aptSource: "/etc/hybrid-fleet/kubernetes.list",
    containerd: "/etc/containerd/config.toml",
    /** `<containerd.io version> <sha256 of config.toml>` that containerd last started with (renderers/containerd.ts). */
    containerdApplied: "/etc/hybrid-fleet/containerd-applied",
} as const;

/**
 * Creates the directories files are installed into, root-owned (group = the service that reads them,
 * mode 0750, 0700 for key directories), and the SSH user's staging mirror of them under STAGE_ROOT
 * (owned by that user, 0700); system users/groups come first so that the group exists.
 */
export function renderDirsScript(user: string, dirs: OwnedDir[], systemUsers: { name: string; home: string }[] = [], stageRoot: string = STAGE_ROOT): string {
    const [u, users] = [
        shq(user),
        systemUsers.map((s) => `getent passwd ${shq(s.name)} >/dev/null || adduser --system --group --no-create-home --home ${shq(s.home)} ${shq(s.name)}`),
    ];
    const stage = shq(stagedPath(user, "", stageRoot));
    const mk = dirs.map((d) => {
        const [p, mode] = [shq(d.path), d.mode ?? "0750"];
        return `install -d -o root -g ${shq(d.group)} -m ${mode} ${p}\nchown ${shq(`root:${d.group}`)} ${p}\nchmod ${mode} ${p}\nmkdir -p ${shq(stagedPath(user, d.path, stageRoot))}`;
    });
    return [
        "set -euo pipefail",
        ...users,
        `install -d -o root -g root -m 0711 ${shq(stageRoot.replace(/\/[^/]+$/, ""))} ${shq(stageRoot)}`,
        `install -d -o ${u} -m 0700 ${stage}`,
        ...mk,
        // Everything under the user's staging directory is the user's and closed to others.
        `chown -R ${u} ${stage}`,
        `chmod -R u+rwX,go-rwx ${stage}`,
        "",
    ].join("\n");
}

/** `name=version` for apt-get install. */
export const pinned = (names: (keyof typeof DEBIAN_PACKAGES)[]) => names.map((n) => `${n}=${DEBIAN_PACKAGES[n]}`).join(" ");

/**
 * Bounded retry for apt-get while another apt run (apt-daily, unattended-upgrades) holds one of its
 * locks: DPkg::Lock::Timeout only waits for the dpkg frontend lock (apt.conf(5)), while
 * /var/lib/apt/lists/lock (update) and /var/cache/apt/archives/lock (install) fail at once. Only
 * lock errors are retried (60 x 5 s); any other failure fails the script at once.
 */
export const APT_RETRY = { tries: 60, sleepSeconds: 5 } as const;
export const APT_RETRY_FUNCTION = `apt_retry() {
  local try out
  for try in $(seq 1 ${APT_RETRY.tries}); do
    if out=$(LC_ALL=C "$@" 2>&1); then printf '%s\\n' "$out"; return 0; fi
    printf '%s\\n' "$out" >&2
    case "$out" in *"Could not get lock"*) sleep ${APT_RETRY.sleepSeconds} ;; *) return 1 ;; esac
  done
  echo "apt: lock still held after ${APT_RETRY.tries} tries" >&2
  return 1
}`;

/** `apt-get update` with the bounded lock retry (scripts that use it start with APT_RETRY_FUNCTION). */
export const aptUpdate = (options = "") => `apt_retry apt-get update${options ? ` ${options}` : ""}`;

/**
 * apt-get install that keeps the configuration files this program already placed (dpkg --force-confold),
 * waits up to 5 min for the dpkg frontend lock (apt.conf(5): DPkg::Lock::Timeout, apt >= 1.9.11) and
 * retries on the other apt locks (scripts that use it start with APT_RETRY_FUNCTION).
 */
export function aptInstall(packages: string): string {
    return `apt_retry env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confold ${packages}`;
}

/**
 * The kubelet's own kernel defaults: with protectKernelDefaults (CIS Kubernetes Benchmark 4.2.6) it
 * refuses to start unless the host already has exactly these (kubelet setupKernelTunables,
 * kubernetes/kubernetes pkg/kubelet/cm/container_manager_linux.go).
 */
export const KUBELET_KERNEL_DEFAULTS: Readonly<Record<string, number>> = {
    "vm.overcommit_memory": 1,
    "vm.panic_on_oom": 0,
    "kernel.panic": 10,
    "kernel.panic_on_oops": 1,
    "kernel.keys.root_maxkeys": 1000000,
    "kernel.keys.root_maxbytes": 25000000,
};

/**
 * Kernel settings Kubernetes networking needs (kubernetes.io, "Container Runtimes": forwarding and
 * bridged traffic), and the kubelet's kernel defaults set before it starts.
 */
export function renderSysctl(): string {
    return `# rendered by hybrid-fleet
net.ipv4.ip_forward = 1
net.bridge.bridge-nf-call-iptables = 1
net.bridge.bridge-nf-call-ip6tables = 1
${Object.entries(KUBELET_KERNEL_DEFAULTS)
    .map(([k, v]) => `${k} = ${v}`)
    .join("\n")}
`;
}

export function renderModules(): string {
    return "# rendered by hybrid-fleet\noverlay\nbr_netfilter\n";
}

/**
 * The apt sources: pkgs.k8s.io for the cluster's minor version (kubernetes.io, "Installing kubeadm")
 * and Docker's Debian 12 repository for containerd.io (docs.docker.com, "Install Docker Engine on Debian").
 */
export function renderAptSource(kubernetesVersion: string): string {
    const minor = kubernetesVersion.split(".").slice(0, 2).join(".");
    return `deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/v${minor}/deb/ /
deb [arch=amd64 signed-by=${DOCKER_APT_KEY}] https://download.docker.com/linux/debian bookworm stable
`;
}

/**
 * containerd 2.x config (version 3; containerd docs "CRI Plugin Config Guide", containerd 2.x form):
 * the systemd cgroup driver the kubelet uses under io.containerd.cri.v1.runtime, the pause image
 * kubeadm expects as the pinned sandbox image under io.containerd.cri.v1.images. Placed before
 * containerd.io installs: dpkg --force-confold keeps it instead of the package's own config.toml,
 * which disables the CRI plugin.
 */
export function renderContainerdConfig(kubernetesVersion: string): string {
    return `# rendered by hybrid-fleet
version = 3

[plugins.'io.containerd.cri.v1.images'.pinned_images]
  sandbox = '${pauseImage(kubernetesVersion)}'

[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
  runtime_type = 'io.containerd.runc.v2'

[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
  SystemdCgroup = true
`;
}

/** Where the apt source this program renders is linked in (NODE_PATHS.aptSource is its target). */
export const APT_SOURCE_LINK = "/etc/apt/sources.list.d/kubernetes.list";

/** pkgs.k8s.io's Debian revision of a Kubernetes version: "-1.1" (kubernetes.io, "Installing kubeadm"). */
export const kubePackageVersion = (kubernetesVersion: string) => `${kubernetesVersion}-1.1`;

/**
 * On a fresh host, installs containerd.io at its pin and the kubelet/kubeadm/kubectl at the spec's
 * exact version, held against upgrades, and starts containerd with the configuration placed before
 * (recorded in NODE_PATHS.containerdApplied). A host that already has a containerd or the kubelet or
 * kubeadm keeps them as they are (still held) and containerd is not restarted: this step runs on
 * every host at once. Moving containerd is the containerd rollout's job (renderers/containerd.ts),
 * moving Kubernetes the upgrade chain's (renderers/upgrade.ts), each one node at a time
 * (kubernetes.io, "Upgrading kubeadm clusters"; "Version Skew Policy").
 * Our apt source names keyrings that a host prepared earlier may lack or hold stale: it is unlinked
 * for the first apt-get update (which only fetches the tools that download the keys) and linked
 * again once the keys are in place, so that no update ever sees a repository without its key.
 */
export function renderKubePackagesScript(kubernetesVersion: string): string {
    const minor = kubernetesVersion.split(".").slice(0, 2).join(".");
    const k = kubePackageVersion(kubernetesVersion);
    return `set -euo pipefail
${APT_RETRY_FUNCTION}
ln -sf ${NODE_PATHS.sysctl} /etc/sysctl.d/99-kubernetes.conf
ln -sf ${NODE_PATHS.modules} /etc/modules-load.d/kubernetes.conf
modprobe overlay
modprobe br_netfilter
sysctl --system >/dev/null
# The kubelet refuses to run with swap on by default.
swapoff -a
sed -i -E '/^[^#].*\\sswap\\s/ s/^/#/' /etc/fstab
# What fetching the repository keys needs (a minimal Debian has none of them), from the distribution only.
rm -f ${APT_SOURCE_LINK}
${aptUpdate()}
${aptInstall("ca-certificates curl gpg")}
install -d -m 0755 /etc/apt/keyrings
curl -fsSL https://pkgs.k8s.io/core:/stable:/v${minor}/deb/Release.key | gpg --batch --yes --dearmor -o /etc/apt/keyrings/kubernetes-apt-keyring.gpg
curl -fsSL https://download.docker.com/linux/debian/gpg -o ${DOCKER_APT_KEY}
chmod a+r ${DOCKER_APT_KEY}
ln -sf ${NODE_PATHS.aptSource} ${APT_SOURCE_LINK}
${aptUpdate()}
# "install ok installed", or "hold ok installed" once held (as every prepared host's are).
installed() { dpkg-query -W -f='\${Status}' "$1" 2>/dev/null | grep -qE ' ok installed$'; }
# A fresh host gets containerd.io at its pin; a prepared one keeps its containerd (Debian's on hosts
# prepared before containerd.io): the containerd rollout moves it, one host at a time.
containerd_package="${CONTAINERD_PACKAGE}"
for p in containerd.io containerd; do
  if installed "$p"; then
    echo "$p $(dpkg-query -W -f='\${Version}' "$p") is installed: left as is (the containerd rollout changes it)"
    containerd_package=""
  fi
done
# A fresh host gets the spec's Kubernetes packages; a prepared one keeps its own (held): the upgrade chain moves them.
kube_packages="kubelet=${k} kubeadm=${k} kubectl=${k}"
for p in kubelet kubeadm; do
  if installed "$p"; then
    echo "$p $(dpkg-query -W -f='\${Version}' "$p") is installed: left as is (the upgrade steps change versions)"
    kube_packages=""
  fi
done
${aptInstall("$containerd_package $kube_packages")}
apt-mark hold kubelet kubeadm kubectl >/dev/null
systemctl enable kubelet
if [ -n "$containerd_package" ]; then
  apt-mark hold containerd.io >/dev/null
  # New, with nothing running on it yet: started (again) on the configuration placed before, and recorded.
  systemctl enable containerd
  systemctl restart containerd
  printf '%s %s\\n' "$(dpkg-query -W -f='\${Version}' containerd.io)" "$(sha256sum ${NODE_PATHS.containerd} | cut -d' ' -f1)" > ${NODE_PATHS.containerdApplied}
else
  systemctl enable --now containerd
fi
`;
}
