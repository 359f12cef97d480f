// The fleet's stacks through the Pulumi Automation API: an inline program built from a FleetSpec
// (for portals and bots) or this project's directory with its Pulumi.<stack>.yaml (for people who
// use the CLI). Every operation validates the spec first, can be narrowed to one cluster, reports
// typed per-cluster progress, and is refused while another operation holds the stack.
import { CommandError, ConcurrentUpdateError, EngineEvent, LocalWorkspace, LocalWorkspaceOptions, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { inspect } from "util";
import { buildFleet } from "../stacks/fleet";
import { fleetOutputs } from "../stacks/outputs";
import { ClusterSpec, FleetSpec, loadFleet } from "../stacks/spec";
import { ROOT } from "../tools/stackFile";
import { makeUrn } from "../tools/urn";
import { clusterOfUrn, FleetEvent, FleetProgress } from "./events";
import { validateStack } from "./offline";

export const PROJECT = "hybrid-fleet";

export interface FleetStackOptions {
    stack: string;
    /**
     * The fleet as data: a FleetSpec, or raw config validated here. The stack then runs this
     * spec as an inline program. Without it, the project directory and its Pulumi.<stack>.yaml.
     */
    spec?: FleetSpec | { raw: unknown };
    /**
     * Without `spec`: the stack config file to validate and run with (every operation's `--config-file`)
     * instead of the project's Pulumi.<stack>.yaml.
     */
    configFile?: string;
    /** Stack config set before every operation: the secrets the spec names (SSH key, store keys). */
    config?: Record<string, { value: string; secret?: boolean }>;
    /** State backend, e.g. `s3://bucket` or `file://~` (PULUMI_BACKEND_URL for every CLI run); default: the CLI's `pulumi login`. */
    backendUrl?: string;
    /** Secrets provider for a new stack, e.g. `awskms://alias/pulumi`. */
    secretsProvider?: string;
    /** The CLI to drive (PulumiCommand.get({ root })); default: `pulumi` on the PATH. */
    pulumiCommand?: PulumiCommand;
    envVars?: Record<string, string>;
}

export interface OperationOptions {
    /** Only this cluster: its site and everything under it, plus what depends on it (fleet layers). */
    cluster?: string;
    onEvent?: (event: FleetEvent) => void;
    onOutput?: (text: string) => void;
    signal?: AbortSignal;
    /** Another stack config file for the CLI (`--config-file`), e.g. one the caller validated. */
    configFile?: string;
    /** CrossGuard packs for preview and up, e.g. this project's `policy/` (POLICY_PACK). */
    policyPacks?: string[];
}

/** This project's policy pack, for `policyPacks`. */
export const POLICY_PACK = path.join(ROOT, "policy");

export interface OperationResult {
    /** Resource changes by operation, from the engine's summary. */
    changes: Record<string, number>;
    /** Per-cluster counts of started, finished and failed resources. */
    clusters: FleetProgress["clusters"];
    stdout: string;
}

/**
 * A value that prints as "[secret]" however it is printed (String(), JSON, console.log and
 * util.inspect, which loggers use for objects); `reveal()` hands it over. The value is a private
 * field (#value), so inspecting the object shows no property holding it.
 */
export class Secret<T> {
    readonly #value: T;
    constructor(value: T) {
        this.#value = value;
    }
    reveal(): T {
        return this.#value;
    }
    toString(): string {
        return "[secret]";
    }
    toJSON(): string {
        return "[secret]";
    }
    [inspect.custom](): string {
        return "[secret]";
    }
}

export interface ClusterOutputs {
    provider: "idc" | "eks" | "ack";
    region: string;
    apiServer?: string;
    kubeconfig?: Secret<string>;
    /** Every other output of the cluster (ids, buckets, roles), as the program exports it. */
    [key: string]: unknown;
}

export interface FleetOutputs {
    environment: string;
    hub: string;
    clusters: Record<string, ClusterOutputs>;
}

/** Two operations on one stack at once: refused, never interleaved. */
export class FleetBusyError extends Error {
    constructor(stack: string, detail: string) {
        super(`stack ${stack} is busy: ${detail}`);
        this.name = "FleetBusyError";
    }
}

/** A failed engine operation, with the CLI's own words. */
export class FleetOperationError extends Error {
    constructor(
        readonly operation: string,
        readonly stack: string,
        readonly stderr: string,
    ) {
        super(`${operation} of stack ${stack} failed${stderr.trim() ? `:\n${stderr.trim().split("\n").slice(-20).join("\n")}` : ""}`);
        this.name = "FleetOperationError";
    }
}

/** destroy found protected resources and was not told to leave them. */
export class ProtectedResourcesError extends Error {
    constructor(
        readonly stack: string,
        readonly urns: string[],
    ) {
        super(
            `stack ${stack} holds ${urns.length} protected resource(s) (clusters, etcd data, buckets, keys); destroy refuses unless excludeProtected is set:\n  ${urns.join("\n  ")}`,
        );
        this.name = "ProtectedResourcesError";
    }
}

/** Operations running in this process, by workspace and stack. */
const running = new Map<string, string>();

/**
 * Inline stacks' workspace directories not yet closed. Left alone, the SDK makes one `automation-*`
 * directory per workspace in the system's temp directory and never removes it (the project and
 * stack settings, config included): a portal opening a stack per request fills the disk. What a
 * caller forgets to close goes when the process exits.
 */
const openWorkDirs = new Set<string>();
process.once("exit", () => openWorkDirs.forEach(removeWorkDir));
function removeWorkDir(dir: string): void {
    fs.rmSync(dir, { recursive: true, force: true });
    openWorkDirs.delete(dir);
}

export class FleetStack {
    private constructor(
        readonly spec: FleetSpec,
        readonly stack: Stack,
        private readonly key: string,
        private readonly config: FleetStackOptions["config"],
        /** The inline program's workspace directory, this object's to remove; none for the project's own. */
        private readonly workDir?: string,
        /** The project stack's config file when not Pulumi.<stack>.yaml: every operation's default `--config-file`. */
        private readonly configFile?: string,
    ) {}

    /** Validates the spec (offline, every violation), then creates or selects the stack. */
    static async open(options: FleetStackOptions): Promise<FleetStack> {
        if (options.spec !== undefined && options.configFile !== undefined)
            throw new Error("FleetStack.open: configFile goes with the project's stack, not with a spec");
        const spec =
            options.spec === undefined
                ? validateStack(options.stack, options.configFile)
                : "raw" in options.spec
                  ? loadFleet(options.spec.raw, { stack: options.stack })
                  : options.spec;
        const ws: LocalWorkspaceOptions = {
            ...(options.pulumiCommand ? { pulumiCommand: options.pulumiCommand } : {}),
            ...(options.secretsProvider ? { secretsProvider: options.secretsProvider } : {}),
            // The backend for every CLI run, the project's own stacks included: their Pulumi.yaml names
            // none, and without it `stack select` would look in (and createOrSelect init a new, empty
            // stack in) whatever backend the machine is logged in to.
            ...(options.envVars || options.backendUrl
                ? { envVars: { ...options.envVars, ...(options.backendUrl ? { PULUMI_BACKEND_URL: options.backendUrl } : {}) } }
                : {}),
        };
        if (options.spec === undefined) {
            const stack = await LocalWorkspace.createOrSelectStack({ stackName: options.stack, workDir: ROOT }, ws);
            return new FleetStack(spec, stack, `${ROOT}:${options.stack}`, options.config, undefined, options.configFile);
        }
        const project = { name: PROJECT, runtime: "nodejs" as const, ...(options.backendUrl ? { backend: { url: options.backendUrl } } : {}) };
        const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "hybrid-fleet-stack-"));
        openWorkDirs.add(workDir);
        try {
            const stack = await LocalWorkspace.createOrSelectStack(
                { stackName: options.stack, projectName: PROJECT, program: async () => fleetOutputs(await buildFleet(spec)) },
                { ...ws, workDir, projectSettings: project },
            );
            return new FleetStack(spec, stack, `inline:${options.stack}`, options.config, workDir);
        } catch (e) {
            removeWorkDir(workDir);
            throw e;
        }
    }

    /**
     * Removes the workspace directory of an inline program's stack (the project and stack settings
     * the CLI reads; the stack itself lives in its backend). Call it when done with the stack; the
     * project directory of a stack opened without a spec is never touched.
     */
    close(): void {
        if (this.workDir) removeWorkDir(this.workDir);
    }

    preview(options: OperationOptions = {}): Promise<OperationResult> {
        return this.run("preview", options, async (o) => {
            const r = await this.stack.preview({ ...o, diff: true, ...(options.policyPacks ? { policyPacks: options.policyPacks } : {}) });
            return { changes: r.changeSummary as Record<string, number>, stdout: r.stdout };
        });
    }

    up(options: OperationOptions = {}): Promise<OperationResult> {
        return this.run("up", options, async (o) => {
            const r = await this.stack.up({ ...o, diff: true, ...(options.policyPacks ? { policyPacks: options.policyPacks } : {}) });
            return { changes: (r.summary.resourceChanges ?? {}) as Record<string, number>, stdout: r.stdout };
        });
    }

    /**
     * Refresh and destroy run the program (`--run-program`): without it they reuse the provider
     * inputs stored in state, and a short-lived credential there (ACK's kubeconfig lasts 240
     * minutes) has expired by the next day (Pulumi docs, "pulumi refresh --run-program").
     */
    refresh(options: OperationOptions = {}): Promise<OperationResult> {
        return this.run("refresh", options, async (o) => {
            const r = await this.stack.refresh({ ...o, runProgram: true });
            return { changes: (r.summary.resourceChanges ?? {}) as Record<string, number>, stdout: r.stdout };
        });
    }

    /**
     * Destroys the stack (or one cluster). Refuses while protected resources exist unless
     * `excludeProtected` is set: then everything else goes and the protected resources stay.
     */
    destroy(options: OperationOptions & { excludeProtected?: boolean } = {}): Promise<OperationResult> {
        return this.run("destroy", options, async (o) => {
            if (!options.excludeProtected) {
                const state = await this.stack.exportStack();
                const names = this.spec.clusters.map((c) => c.name);
                const inScope = (urn: string) => options.cluster === undefined || clusterOfUrn(urn, names) === options.cluster;
                const guarded = ((state.deployment?.resources ?? []) as { urn: string; protect?: boolean }[])
                    .filter((r) => r.protect && inScope(r.urn))
                    .map((r) => r.urn);
                if (guarded.length > 0) throw new ProtectedResourcesError(this.stack.name, guarded);
            }
            const r = await this.stack.destroy({ ...o, runProgram: true, ...(options.excludeProtected ? { excludeProtected: true } : {}) });
            return { changes: (r.summary.resourceChanges ?? {}) as Record<string, number>, stdout: r.stdout };
        });
    }

    /** The stack's outputs, typed per cluster; kubeconfigs stay secrets. */
    async outputs(): Promise<FleetOutputs> {
        const out = await this.stack.outputs();
        const clusters: Record<string, ClusterOutputs> = {};
        for (const [name, value] of Object.entries((out.clusters?.value ?? {}) as Record<string, Record<string, unknown>>)) {
            const { kubeconfig, ...rest } = value;
            clusters[name] = {
                ...(rest as Pick<ClusterOutputs, "provider" | "region">),
                ...(typeof kubeconfig === "string" ? { kubeconfig: new Secret(kubeconfig) } : {}),
            };
        }
        return { environment: String(out.environment?.value ?? this.spec.environment), hub: String(out.hub?.value ?? this.spec.hub), clusters };
    }

    /** The URN of a cluster's site component: targeting it takes everything under it (Pulumi >= 3.9). */
    siteUrn(cluster: ClusterSpec): string {
        return makeUrn(this.stack.name, PROJECT, undefined, `hybrid:${cluster.provider}:Site`, cluster.name);
    }

    /**
     * Sets the stack config before an operation. The SDK's setAllConfig puts every value on the CLI's
     * command line (`config set-all --secret key=VALUE`): visible to every local user in the process
     * list while it runs, and copied twice into the error of a failed run. Secrets go instead one by
     * one on the standard input of `pulumi config set --secret KEY`, which reads the value there when
     * stdin is not a terminal (and drops one trailing newline, added here); plain values stay on setAllConfig.
     */
    private async setConfig(operation: string, config: NonNullable<FleetStackOptions["config"]>): Promise<void> {
        const entries = Object.entries(config).map(([k, v]) => [k.includes(":") ? k : `${PROJECT}:${k}`, v] as const);
        const plain = entries.filter(([, v]) => !v.secret);
        if (plain.length > 0) await this.stack.setAllConfig(Object.fromEntries(plain));
        const ws = this.stack.workspace as LocalWorkspace;
        const command = ws.pulumiCommand.command;
        // What the SDK's own runs of the CLI get (LocalWorkspace.runPulumiCmd, PulumiCommand.run).
        const env: NodeJS.ProcessEnv = {
            ...process.env,
            ...(ws.pulumiHome ? { PULUMI_HOME: ws.pulumiHome } : {}),
            ...ws.envVars,
            PULUMI_AUTOMATION_API: "true",
            ...(path.isAbsolute(command) ? { PATH: `${path.dirname(command)}${path.delimiter}${ws.envVars.PATH ?? process.env.PATH ?? ""}` } : {}),
        };
        for (const [key, { value }] of entries.filter(([, v]) => v.secret)) {
            const args = ["config", "set", key, "--secret", "--stack", this.stack.name, "--non-interactive"];
            const r = await new Promise<{ code: number | null; stderr: string; error?: Error }>((resolve) => {
                const child = spawn(command, args, { cwd: ws.workDir, env, stdio: ["pipe", "ignore", "pipe"] });
                let stderr = "";
                child.stderr.on("data", (d) => (stderr += d));
                child.on("error", (error) => resolve({ code: null, stderr, error }));
                child.on("close", (code) => resolve({ code, stderr }));
                child.stdin.on("error", () => undefined);
                child.stdin.end(`${value}\n`);
            });
            if (r.code !== 0)
                throw new FleetOperationError(
                    operation,
                    this.stack.name,
                    `pulumi config set ${key} --secret: ${r.error?.message ?? `exit ${r.code}`}\n${r.stderr}`,
                );
        }
    }

    private async run(
        operation: string,
        options: OperationOptions,
        body: (o: {
            target?: string[];
            targetDependents?: boolean;
            onEvent: (e: EngineEvent) => void;
            onOutput?: (s: string) => void;
            signal?: AbortSignal;
            configFile?: string;
        }) => Promise<{ changes: Record<string, number>; stdout: string }>,
    ): Promise<OperationResult> {
        const holder = running.get(this.key);
        if (holder) throw new FleetBusyError(this.stack.name, `${holder} is running from this process`);
        let target: string[] | undefined;
        if (options.cluster !== undefined) {
            const cluster = this.spec.clusters.find((c) => c.name === options.cluster);
            if (!cluster)
                throw new Error(`no cluster named ${options.cluster} in stack ${this.stack.name} (have: ${this.spec.clusters.map((c) => c.name).join(", ")})`);
            target = [this.siteUrn(cluster)];
        }
        const progress = new FleetProgress(
            this.spec.clusters.map((c) => c.name),
            options.onEvent ?? (() => undefined),
        );
        const configFile = options.configFile ?? this.configFile;
        running.set(this.key, operation);
        try {
            if (this.config) await this.setConfig(operation, this.config);
            const result = await body({
                ...(target ? { target, targetDependents: true } : {}),
                onEvent: progress.onEngineEvent,
                ...(options.onOutput ? { onOutput: options.onOutput } : {}),
                ...(options.signal ? { signal: options.signal } : {}),
                ...(configFile ? { configFile } : {}),
            });
            return { ...result, clusters: progress.clusters };
        } catch (e) {
            if (e instanceof ConcurrentUpdateError)
                throw new FleetBusyError(this.stack.name, "another update holds the engine's lock on it (wait for it, or `pulumi cancel` a dead one)");
            if (e instanceof CommandError) throw new FleetOperationError(operation, this.stack.name, e.message);
            throw e;
        } finally {
            running.delete(this.key);
        }
    }
}
