// Reaching one IDC host over SSH: every file goes through remote.CopyToRemote with a StringAsset
// (a secret Output when the content holds a secret) into the SSH user's staging directory, then a
// remote.Command installs it root-owned with its mode; every action is a remote.Command run with
// sudo from a script on stdin. Not a component: it declares resources under its caller.
import { remote, types } from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { FileMode, OwnedDir, renderDirsScript, renderInstallFileScript, stagedPath } from "./render";
import { shq } from "./renderers/shell";

export interface HostSpec {
    name: string;
    address: string;
}

/** How the program logs in: the spec's SSH user (passwordless sudo) and its private key (a secret). */
export interface SshLogin {
    user: string;
    port: number;
    privateKey: pulumi.Output<string>;
    /**
     * Host name -> its SSH public host key ("ssh-ed25519 AAAA..."), pinned on every connection to that
     * host: the provider refuses a server with another key (ssh.FixedHostKey). A host missing here is
     * not checked at all, which the spec allows only outside prod, explicitly.
     */
    hostKeys: Readonly<Record<string, string>>;
}

export interface FileOptions {
    /** Content holding keys, tokens or passwords: a Pulumi secret, mode 0600 (0640 with `group`). */
    secret?: boolean;
    /** The group that owns the file (a service reading it as that group); default root. */
    group?: string;
    mode?: FileMode;
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** The mode a file is installed with (see Host.file). */
export function fileMode(opts: Pick<FileOptions, "secret" | "group" | "mode">): FileMode {
    if (opts.mode) return opts.mode;
    if (opts.group && opts.group !== "root") return "0640";
    return opts.secret ? "0600" : "0644";
}

export interface RunOptions {
    /** Re-run (replace) the command whenever one of these changes, e.g. the files it applies. */
    triggers?: pulumi.Input<unknown>[];
    dependsOn?: pulumi.Input<pulumi.Resource>[];
    /** For commands whose result holds data (the etcd disk). */
    protect?: boolean;
    /**
     * For commands whose output may hold a secret (kubeadm prints join tokens and certificate keys
     * unless told not to): nothing logged, stdout/stderr stored encrypted in the state.
     */
    secretOutput?: boolean;
}

export class Host {
    readonly connection: types.input.remote.ConnectionArgs;
    /**
     * The host's pinned SSH host key as a trigger ([] when unpinned): a new key is a re-imaged host,
     * whose join must mint a new token and run again (its connection change alone re-runs the join
     * with the token of the last one, deleted after it).
     */
    readonly rebuilt: string[];

    /** `prefix` is the owning component's name; every resource is named `<prefix>-<host>-<what>`. */
    constructor(
        private readonly parent: pulumi.Resource,
        private readonly prefix: string,
        readonly spec: HostSpec,
        readonly login: SshLogin,
    ) {
        const hostKey = Object.hasOwn(login.hostKeys, spec.name) ? login.hostKeys[spec.name] : undefined;
        this.connection = { host: spec.address, port: login.port, user: login.user, privateKey: login.privateKey, ...(hostKey ? { hostKey } : {}) };
        this.rebuilt = hostKey ? [hostKey] : [];
    }

    private name(what: string): string {
        return `${this.prefix}-${this.spec.name}-${what}`;
    }

    /** Creates the root-owned directories files are installed into and the SSH user's staging mirror (see renderDirsScript). */
    dirs(dirs: OwnedDir[], systemUsers: { name: string; home: string }[] = [], opts: RunOptions = {}): remote.Command {
        return this.run("dirs", renderDirsScript(this.login.user, dirs, systemUsers), opts);
    }

    /**
     * Places `content` at `remotePath`, owned by root (CIS Kubernetes Benchmark 1.1.19-1.1.21): copied
     * by SFTP into the SSH user's staging directory (`<prefix>-<host>-<what>`), then installed by
     * `<prefix>-<host>-<what>-install`, which re-runs whenever the content's hash changes and removes
     * the staged copy. Returns the install step: the file is in place once it is done.
     * Modes: `secret: true` (keys, tokens, passwords) 0600, other files 0644; with `group` 0640
     * (a service that runs as that group reads it); `mode` overrides both.
     */
    file(what: string, remotePath: string, content: pulumi.Input<string>, opts: FileOptions = {}): remote.Command {
        const text = opts.secret ? pulumi.secret(content) : pulumi.output(content);
        const staged = stagedPath(this.login.user, remotePath);
        const copy = new remote.CopyToRemote(
            this.name(what),
            { connection: this.connection, remotePath: staged, source: text.apply((t) => new pulumi.asset.StringAsset(t)) },
            { parent: this.parent, dependsOn: opts.dependsOn },
        );
        const group = opts.group ?? "root";
        const mode = fileMode(opts);
        const sha256 = text.apply((t) => createHash("sha256").update(t).digest("hex"));
        return this.run(
            `${what}-install`,
            sha256.apply((h) => renderInstallFileScript({ staged, target: remotePath, group, mode, sha256: h })),
            {
                triggers: [sha256, remotePath, group, mode],
                dependsOn: [copy],
            },
        );
    }

    /**
     * A bash script (no secret in it: it is in argv) that runs as root when this resource is deleted,
     * i.e. when what declares it leaves the spec; creating it runs nothing. No triggers: only a
     * change of its name (a URN change: give it an alias) deletes it, so nothing else runs the script;
     * an input change updates it in place and runs `true`.
     */
    onDelete(what: string, script: string, opts: { dependsOn?: pulumi.Input<pulumi.Resource>[]; notNamedByHost?: boolean } = {}): remote.Command {
        // notNamedByHost: `<prefix>-<what>`, for a command run from whichever host is first (another
        // first host must not delete it, which would run it), aliased to the name it had before.
        const name = opts.notNamedByHost ? `${this.prefix}-${what}` : this.name(what);
        return new remote.Command(
            name,
            { connection: this.connection, create: "true", delete: `sudo -n bash -c ${shq(script)}` },
            { parent: this.parent, dependsOn: opts.dependsOn, ...(opts.notNamedByHost ? { aliases: [{ name: this.name(what) }] } : {}) },
        );
    }

    /** Runs a bash script as root (sudo, script on stdin so that secrets never reach argv). */
    run(what: string, script: pulumi.Input<string>, opts: RunOptions = {}): remote.Command {
        return new remote.Command(
            this.name(what),
            {
                connection: this.connection,
                create: "sudo -n bash -s",
                stdin: script,
                triggers: opts.triggers,
                ...(opts.secretOutput ? { logging: "none" as const } : {}),
            },
            {
                parent: this.parent,
                dependsOn: opts.dependsOn,
                protect: opts.protect,
                ...(opts.secretOutput ? { additionalSecretOutputs: ["stdout", "stderr"] } : {}),
            },
        );
    }
}
