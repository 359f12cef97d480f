// Pinned SSH host keys: every IDC host (control plane, etcd, workers, link gateways) carries its SSH
// host public key, and every connection the program makes to it pins that key (components/idc/host.ts),
// so whatever else answers at the address gets no CA key, etcd key or token.
import { z } from "zod";
import { hostKeyProblem } from "../../components/idc/hostKey";
import type { Violation } from "./violation";

/** A host's SSH public host key, "ssh-ed25519 AAAA..." (see components/idc/hostKey.ts for the accepted types). */
export const sshHostKey = z
    .string()
    .max(1100, "must be at most 1100 characters")
    .superRefine((s, ctx) => {
        const problem = hostKeyProblem(s);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
    });

interface KeyedHost {
    name: string;
    sshHostKey?: string;
}

/**
 * Every host needs its key. Outside prod, `ssh.allowUnpinnedHostKeys: true` lets hosts go without one
 * (hosts re-imaged often get new keys), knowing the provider then accepts any key; prod refuses the flag.
 */
export function hostKeyRules(
    c: {
        ssh: { allowUnpinnedHostKeys: boolean };
        controlPlane: { hosts: KeyedHost[] };
        etcd: { hosts: KeyedHost[] };
        workers: KeyedHost[];
        gateway?: { hosts: KeyedHost[] };
    },
    at: (string | number)[],
    environment: string,
): Violation[] {
    const out: Violation[] = [];
    const prod = environment === "prod";
    if (prod && c.ssh.allowUnpinnedHostKeys) {
        out.push({ path: [...at, "ssh", "allowUnpinnedHostKeys"], rule: "must be false in prod: every host's SSH host key is pinned" });
    }
    if (!prod && c.ssh.allowUnpinnedHostKeys) return out;
    const groups: [(string | number)[], KeyedHost[]][] = [
        [["controlPlane", "hosts"], c.controlPlane.hosts],
        [["etcd", "hosts"], c.etcd.hosts],
        [["workers"], c.workers],
        [["gateway", "hosts"], c.gateway?.hosts ?? []],
    ];
    for (const [path, hosts] of groups) {
        hosts.forEach((h, i) => {
            if (h.sshHostKey === undefined) {
                out.push({
                    path: [...at, ...path, i, "sshHostKey"],
                    rule: `is required: ${h.name}'s SSH host public key (ssh-keyscan -t ed25519, checked against the host's console) is pinned on every connection${prod ? "" : " (or set ssh.allowUnpinnedHostKeys outside prod)"}`,
                });
            }
        });
    }
    return out;
}

/** host name -> pinned key, for the SSH logins (host names are unique within a cluster). */
export function hostKeysOf(c: {
    controlPlane: { hosts: KeyedHost[] };
    etcd: { hosts: KeyedHost[] };
    workers: KeyedHost[];
    gateway?: { hosts: KeyedHost[] };
}): Record<string, string> {
    const keys: Record<string, string> = {};
    for (const h of [...c.controlPlane.hosts, ...c.etcd.hosts, ...c.workers, ...(c.gateway?.hosts ?? [])]) {
        if (h.sshHostKey !== undefined) keys[h.name] = h.sshHostKey;
    }
    return keys;
}
