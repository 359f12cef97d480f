// Pure renderers for taking a control-plane host out of an IDC cluster (spec: `retiring`), in the
// order stacks/idc.ts runs them: its load balancer stops while its peers still list it, the node
// is drained and deleted from the first control-plane host (renderNodeEvictScript), then the host
// is reset.
import { parseIp } from "../../core/cidr";
import { curlUntilOk, READYZ_WAIT } from "./kubeadm";
import { LB_PATHS, VRRP_FILTER_UNIT } from "./loadBalancer";

/**
 * On the retiring host, before any remaining host drops it from its unicast peers, VRRP filter and
 * HAProxy backends: keepalived and HAProxy stopped and disabled. Stopping while the peers still
 * listen is what keeps the VIP on one host: keepalived sends a priority-0 advertisement as it shuts
 * down and a backup takes the VIP at once (RFC 3768 6.4.3, Shutdown); a keepalived left running
 * after its peers stopped hearing it would make itself master and hold the VIP too. The step ends
 * only when the VIP is gone from this host and the API answers on it from another (bounded by
 * READYZ_WAIT), so nothing after it runs while the VIP is nowhere.
 */
export function renderRetireLoadBalancerScript(input: { vip: string; port: number }): string {
    if (parseIp(input.vip) === undefined) throw new Error(`vip: ${JSON.stringify(input.vip)} is not an IPv4 address`);
    if (!Number.isInteger(input.port) || input.port < 1 || input.port > 65535) throw new Error(`port: ${input.port} is not a TCP port`);
    return `set -euo pipefail
systemctl disable --now keepalived haproxy
systemctl disable --now ${VRRP_FILTER_UNIT} 2>/dev/null || true
# The VRRP password this host no longer needs.
rm -f ${LB_PATHS.vrrpAuth}
if ip -o -4 addr show | awk -v vip=${input.vip} '{ split($4, a, "/"); if (a[1] == vip) found = 1 } END { exit !found }'; then
  echo "${input.vip} is still on this host after keepalived stopped" >&2
  exit 1
fi
${curlUntilOk(
    `-fsk --max-time 2 https://${input.vip}:${input.port}/readyz`,
    READYZ_WAIT.tries,
    READYZ_WAIT.sleepSeconds,
    `the API does not answer on ${input.vip}:${input.port} from another host after ${READYZ_WAIT.tries * READYZ_WAIT.sleepSeconds} s`,
)}
`;
}

/**
 * Last, on the retiring host once its node is deleted: `kubeadm reset` (its static pods, kubelet
 * configuration and /etc/kubernetes/pki), the kubelet disabled, and what else this program placed
 * under /etc/kubernetes (kubeadm reset leaves it): the encryption configuration with the key to every
 * Secret in etcd, the kubeadm files with the certificate key. kubeadm "Clean up".
 */
export function renderRetireResetScript(): string {
    return `set -euo pipefail
kubeadm reset -f
systemctl disable --now kubelet
rm -rf /etc/kubernetes
`;
}
