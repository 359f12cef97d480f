// Pure renderers for changing the Kubernetes version of a running IDC cluster, after kubernetes.io
// "Upgrading kubeadm clusters": the first control-plane host runs `kubeadm upgrade apply`, the other
// control-plane hosts `kubeadm upgrade node`, then the workers one at a time (drained from the first
// control-plane host, `kubeadm upgrade node`, new kubelet, uncordoned). Every step is a no-op on a
// node that already runs the target, and refuses to skip a minor or to downgrade ("Version Skew
// Policy": kubeadm upgrades one minor at a time); the spec cannot know what the hosts run, so that
// rule is enforced here, on the hosts, at run time.
import { stringify } from "yaml";
import { DRAIN_FLAGS, DRAIN_TIMEOUT_SECONDS, waitApiserverReady } from "./kubeadm";
import { APT_RETRY_FUNCTION, aptInstall, aptUpdate, kubePackageVersion } from "./node";
import { indent, retryUntil } from "./shell";

const KUBEADM_API = "kubeadm.k8s.io/v1beta4";
const ADMIN_KUBECONFIG = "/etc/kubernetes/admin.conf";
/** Marks a node this chain cordoned, so that only those are uncordoned (an operator's cordon stays). */
export const DRAINED_ANNOTATION = "hybrid-fleet.io/upgrade-drained";
/** Where the UpgradeConfiguration is written for one kubeadm call (tmpfs, root only). */
export const UPGRADE_CONFIG = "/run/hybrid-fleet/kubeadm-upgrade.yaml";

/** A worker's restarted kubelet must report the target and Ready within 5 minutes (60 x 5 s, our bound), or the step fails. */
export const NODE_READY_WAIT = { tries: 60, sleepSeconds: 5 } as const;

/**
 * UpgradeConfiguration (kubeadm v1beta4, the only kind `kubeadm upgrade --config` reads since 1.31:
 * the ClusterConfiguration comes from the kubeadm-config ConfigMap, which the first control-plane
 * host's re-run uploads from the spec, so every flag persists through the upgrade). External etcd:
 * kubeadm must not touch it (etcdUpgrade false); certificates are renewed as kubeadm does by default.
 */
export function renderUpgradeConfig(kubernetesVersion: string): string {
    const common = { certificateRenewal: true, etcdUpgrade: false, imagePullPolicy: "IfNotPresent" };
    return stringify({
        apiVersion: KUBEADM_API,
        kind: "UpgradeConfiguration",
        apply: { kubernetesVersion: `v${kubernetesVersion}`, ...common },
        node: common,
        plan: { kubernetesVersion: `v${kubernetesVersion}` },
    });
}

/**
 * `kube_version_step KUBELET_VERSION KUBEADM_VERSION` prints `current` when the node runs the target
 * (both at KUBE_TARGET), `upgrade` when it is behind by patches or one minor, and fails (status 1,
 * reason on stderr) for a version it cannot read, a downgrade or a skipped minor.
 */
export function renderVersionGuard(kubernetesVersion: string): string {
    return `KUBE_TARGET=v${kubernetesVersion}
kube_version_step() {
  local kubelet_v=$1 kubeadm_v=$2 node_minor target_minor newest
  case "$kubelet_v" in v1.[0-9]*.[0-9]*) ;; *) echo "cannot read the node's kubelet version: '$kubelet_v'" >&2; return 1 ;; esac
  if [ "$kubelet_v" = "$KUBE_TARGET" ] && [ "$kubeadm_v" = "$KUBE_TARGET" ]; then echo current; return 0; fi
  newest=$(printf '%s\\n%s\\n' "\${kubelet_v#v}" "\${KUBE_TARGET#v}" | sort -V | tail -n 1)
  if [ "$newest" != "\${KUBE_TARGET#v}" ]; then
    echo "refusing $kubelet_v -> $KUBE_TARGET: a downgrade (kubeadm upgrades only)" >&2; return 1
  fi
  node_minor=$(echo "$kubelet_v" | cut -d. -f2)
  target_minor=$(echo "$KUBE_TARGET" | cut -d. -f2)
  if [ "$target_minor" -gt $((node_minor + 1)) ]; then
    echo "refusing $kubelet_v -> $KUBE_TARGET: skips a minor; kubeadm upgrades one minor at a time (set kubernetesVersion to 1.$((node_minor + 1)).x first)" >&2
    return 1
  fi
  echo upgrade
}`;
}

/** This host's versions, as the guard reads them: `kubelet --version` ("Kubernetes v1.33.5") and `kubeadm version -o short`. */
const LOCAL_STEP = `step=$(kube_version_step "$(kubelet --version | awk '{print $2}')" "$(kubeadm version -o short)")`;

const installKube = (kubernetesVersion: string, packages: string[]) => {
    const k = kubePackageVersion(kubernetesVersion);
    return `apt-mark unhold ${packages.join(" ")} >/dev/null
${aptInstall(packages.map((p) => `${p}=${k}`).join(" "))}
apt-mark hold ${packages.join(" ")} >/dev/null`;
};

const writeUpgradeConfig = (kubernetesVersion: string) => `install -d -m 0700 ${UPGRADE_CONFIG.replace(/\/[^/]+$/, "")}
cat > ${UPGRADE_CONFIG} <<'HYBRID_FLEET_EOF'
${renderUpgradeConfig(kubernetesVersion)}HYBRID_FLEET_EOF`;

const kubectl = `kubectl --kubeconfig ${ADMIN_KUBECONFIG}`;

/** Uncordons NODE if this chain cordoned it (a re-run after a failure finishes what the last run began). */
const uncordonIfDrained = (
    node: string,
) => `if [ -n "$(${kubectl} get node ${node} -o jsonpath='{.metadata.annotations.hybrid-fleet\\.io/upgrade-drained}')" ]; then
  ${kubectl} uncordon ${node}
  ${kubectl} annotate node ${node} ${DRAINED_ANNOTATION}-
fi`;

/**
 * Cordons and drains NODE, marking a node this chain cordoned. A drain that cannot finish (a
 * PodDisruptionBudget, a pod that will not go) gives the node back to the scheduler before the step
 * fails: the upgrade stops there, loudly, without leaving capacity cordoned until the next run.
 */
const drain = (node: string) => `if [ "$(${kubectl} get node ${node} -o jsonpath='{.spec.unschedulable}')" != "true" ]; then
  ${kubectl} annotate node ${node} --overwrite ${DRAINED_ANNOTATION}="$KUBE_TARGET"
fi
if ! ${kubectl} drain ${node} ${DRAIN_FLAGS}; then
${indent(uncordonIfDrained(node))}
  echo "${node}: the drain did not finish within ${DRAIN_TIMEOUT_SECONDS} s (kubectl drain's output above); uncordoned, the upgrade stops here" >&2
  exit 1
fi`;

/**
 * On the first control-plane host, before a new minor: every node's kubelet must run the control
 * plane's current minor. A node an earlier chain left behind would be two minors behind after this
 * one, which kubeadm cannot upgrade (one minor at a time), and the control plane cannot go back:
 * the way out is to finish the previous minor first.
 */
const nodesAtCurrentMinor = `here_minor=$(kubelet --version | awk '{print $2}' | cut -d. -f2)
if [ "$(echo "$KUBE_TARGET" | cut -d. -f2)" -gt "$here_minor" ]; then
  behind=$(${kubectl} get nodes -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.status.nodeInfo.kubeletVersion}{"\\n"}{end}' | awk -v m="$here_minor" '{ split($2, v, "."); if (v[2] + 0 < m + 0) print $1 " " $2 }')
  if [ -n "$behind" ]; then
    echo "refusing $KUBE_TARGET: these nodes still run an older minor than the control plane (1.$here_minor): $(echo $behind); set kubernetesVersion back to 1.$here_minor.x and let the chain finish them first" >&2
    exit 1
  fi
fi`;

/** The start of a node's own step: guard, upgrade config, and `step` = what this node needs. */
const localStepPrologue = (kubernetesVersion: string, environment = "") => `set -euo pipefail
${APT_RETRY_FUNCTION}
${renderVersionGuard(kubernetesVersion)}
${environment}trap 'rm -f ${UPGRADE_CONFIG}' EXIT
${writeUpgradeConfig(kubernetesVersion)}
${LOCAL_STEP}`;

/** After kubeadm: the target kubelet and kubectl, running (kubernetes.io "Upgrading kubeadm clusters"). */
const replaceKubelet = (kubernetesVersion: string) => `${installKube(kubernetesVersion, ["kubelet", "kubectl"])}
systemctl daemon-reload
systemctl restart kubelet`;

/**
 * A control-plane host's step. The first host: new kubeadm, `kubeadm upgrade plan` (health and
 * version checks; the version argument skips the internet lookup), `kubeadm upgrade apply`; the
 * others: `kubeadm upgrade node`. Then each drains itself (a kubelet minor upgrade needs a drained
 * node), gets the new kubelet and kubectl, restarts the kubelet, waits for its API server, uncordons.
 */
export function renderControlPlaneUpgradeScript(input: { kubernetesVersion: string; node: string; first: boolean }): string {
    const v = input.kubernetesVersion;
    const kubeadmUpgrade = input.first
        ? `kubeadm upgrade plan v${v}
kubeadm upgrade apply v${v} -y --config ${UPGRADE_CONFIG}`
        : `kubeadm upgrade node --config ${UPGRADE_CONFIG}`;
    return `${localStepPrologue(v, `export KUBECONFIG=${ADMIN_KUBECONFIG}\n`)}
if [ "$step" = upgrade ]; then
${input.first ? `${indent(nodesAtCurrentMinor)}\n` : ""}${indent(aptUpdate())}
${indent(installKube(v, ["kubeadm"]))}
${indent(kubeadmUpgrade)}
${indent(drain(input.node))}
${indent(replaceKubelet(v))}
${indent(waitApiserverReady)}
fi
${uncordonIfDrained(input.node)}
`;
}

/** On the first control-plane host, before a worker's step: drain it unless its kubelet already reports the target. */
export function renderDrainScript(input: { kubernetesVersion: string; node: string }): string {
    return `set -euo pipefail
${renderVersionGuard(input.kubernetesVersion)}
kubelet_v=$(${kubectl} get node ${input.node} -o jsonpath='{.status.nodeInfo.kubeletVersion}')
# The node's kubeadm is not visible from here: the kubelet's version stands for both.
step=$(kube_version_step "$kubelet_v" "$kubelet_v")
if [ "$step" = upgrade ]; then
${indent(drain(input.node))}
fi
`;
}

/** On the worker: new kubeadm, `kubeadm upgrade node` (its kubelet configuration), new kubelet and kubectl, kubelet restarted. */
export function renderWorkerUpgradeScript(kubernetesVersion: string): string {
    const v = kubernetesVersion;
    return `${localStepPrologue(v)}
if [ "$step" = upgrade ]; then
${indent(aptUpdate())}
${indent(installKube(v, ["kubeadm"]))}
  kubeadm upgrade node --config ${UPGRADE_CONFIG}
${indent(replaceKubelet(v))}
fi
`;
}

/**
 * On the first control-plane host, after a worker's step: if this chain drained the node, wait
 * (bounded) until it is Ready with the target kubelet, then uncordon it. A node it did not drain is
 * left alone (on a new cluster nodes are not Ready before the CNI, which comes after this chain).
 */
export function renderUncordonScript(input: { kubernetesVersion: string; node: string }): string {
    const { tries, sleepSeconds } = NODE_READY_WAIT;
    return `set -euo pipefail
KUBE_TARGET=v${input.kubernetesVersion}
if [ -z "$(${kubectl} get node ${input.node} -o jsonpath='{.metadata.annotations.hybrid-fleet\\.io/upgrade-drained}')" ]; then
  echo "${input.node} was not drained by an upgrade: nothing to uncordon"
  exit 0
fi
${retryUntil({
    condition: `[ "$(${kubectl} get node ${input.node} -o jsonpath='{.status.nodeInfo.kubeletVersion}')" = "$KUBE_TARGET" ] \\
  && [ "$(${kubectl} get node ${input.node} -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = "True" ]`,
    tries,
    sleepSeconds,
    failure: `${input.node} not Ready at $KUBE_TARGET after ${tries * sleepSeconds} s`,
})}
${uncordonIfDrained(input.node)}
`;
}
