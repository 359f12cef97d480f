// The etcd data-disk script run by real bash against stub blkid/mkfs/mount tools (bash scripts in a
// temp bin directory that log their calls) and a scratch fstab: a changed nvmeDevice never formats a
// second device over the data's mount point, and one mount point never gets a second fstab line.
// Not as root: `test -b` is a shell function, nothing touches a real disk or /etc/fstab.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderDataDiskScript } from "../../components/idc/renderers/etcd";

interface Disk {
    /** The device's filesystem UUID, or undefined when blank (blkid -p exits 2). */
    uuid?: string;
}

/**
 * A scratch host: `disks` by device, `mounted` = the device on the mount point (or none), `fstab`
 * lines. The stubs log every call; `test -b` is true for the listed disks.
 */
function runDisk(device: string, disks: Record<string, Disk>, mounted: string | undefined, fstabLines: string[], mount = "/var/lib/etcd") {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "datadisk-"));
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    const log = path.join(dir, "calls.log");
    const fstab = path.join(dir, "fstab");
    fs.writeFileSync(fstab, fstabLines.map((l) => `${l}\n`).join(""));
    fs.writeFileSync(log, "");
    // A blank disk gets FORMATTED's UUID once the mkfs stub has run.
    const uuids = Object.entries(disks)
        .map(([d, x]) => (x.uuid ? `${d}) echo ${x.uuid} ;;` : `${d}) [ -e ${dir}/formatted ] && echo ${FORMATTED} ;;`))
        .join(" ");
    const probe = Object.entries(disks)
        .map(([d, x]) => `${d}) exit ${x.uuid ? 0 : 2} ;;`)
        .join(" ");
    const stub = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/bash\necho "${name} $*" >> ${log}\n${body}\n`, { mode: 0o755 });
    // blkid -p DEV (probe) / blkid -s UUID -o value DEV
    stub("blkid", `if [ "$1" = -p ]; then case "$2" in ${probe} *) exit 8 ;; esac; fi\ncase "$5" in ${uuids} *) exit 2 ;; esac`);
    stub("mountpoint", mounted ? "exit 0" : "exit 1");
    stub("findmnt", `if [ "$2" = SOURCE ]; then echo ${mounted ?? ""}; else echo rw,noatime; fi`);
    stub("mkfs.ext4", `touch ${dir}/formatted`);
    for (const name of ["mount", "systemctl", "install", "chown"]) stub(name, "exit 0");
    const blockDevs = Object.keys(disks)
        .map((d) => `"${d}"`)
        .join(" ");
    const prelude = `test() { if [ "$1" = -b ]; then for d in ${blockDevs}; do [ "$2" = "$d" ] && return 0; done; return 1; fi; builtin test "$@"; }\n`;
    const r = spawnSync("bash", ["-c", prelude + renderDataDiskScript(device, mount, fstab)], {
        encoding: "utf8",
        env: { PATH: `${bin}:/usr/bin:/bin` },
    });
    const out = { status: r.status, stderr: r.stderr, calls: fs.readFileSync(log, "utf8"), fstab: fs.readFileSync(fstab, "utf8") };
    fs.rmSync(dir, { recursive: true, force: true });
    return out;
}

const FORMATTED = "33333333-3333-4333-8333-333333333333";
const OLD = "11111111-1111-4111-8111-111111111111";
const NEW = "22222222-2222-4222-8222-222222222222";
const line = (uuid: string) => `UUID=${uuid} /var/lib/etcd ext4 defaults,noatime,nofail 0 2`;

describe("etcd data disk script (bash with stub disk tools)", () => {
    it("a blank device on a fresh host: formatted, one fstab line, mounted", () => {
        const r = runDisk("/dev/nvme0n1", { "/dev/nvme0n1": {} }, undefined, ["# static", "UUID=root / ext4 defaults 0 1"]);
        assert.strictEqual(r.status, 0, r.stderr);
        assert.strictEqual(r.calls.match(/^mkfs\.ext4 -q -L etcd-data \/dev\/nvme0n1$/gm)?.length, 1);
        assert.deepStrictEqual(
            r.fstab.split("\n").filter((l) => / \/var\/lib\/etcd /.test(l)),
            [line(FORMATTED)],
        );
        assert.match(r.calls, /^mount \/var\/lib\/etcd$/m);
    });

    it("a changed etcd.dataDir on a running host: refused, the disk not mounted a second time", () => {
        const r = runDisk("/dev/nvme0n1", { "/dev/nvme0n1": { uuid: OLD } }, undefined, [line(OLD)], "/srv/etcd");
        assert.strictEqual(r.status, 1);
        assert.match(r.stderr, /mounts \/dev\/nvme0n1 \(UUID=1{8}-[-0-9]+\) on \/var\/lib\/etcd, not \/srv\/etcd: refusing \(etcd\.dataDir changed/);
        assert.deepStrictEqual(r.fstab, `${line(OLD)}\n`);
        assert.doesNotMatch(r.calls, /^(mkfs\.ext4|mount|install) /m);
        // A commented-out line for the old mount point does not count.
        const moved = runDisk("/dev/nvme0n1", { "/dev/nvme0n1": { uuid: OLD } }, undefined, [`# ${line(OLD)}`], "/srv/etcd");
        assert.strictEqual(moved.status, 0, moved.stderr);
        assert.match(moved.fstab, /^UUID=1{8}-[-0-9]+ \/srv\/etcd ext4 defaults,noatime,nofail 0 2$/m);
    });

    it("the same device again: kept, no second fstab line", () => {
        const r = runDisk("/dev/nvme0n1", { "/dev/nvme0n1": { uuid: OLD } }, "/dev/nvme0n1", [line(OLD)]);
        assert.strictEqual(r.status, 0, r.stderr);
        assert.doesNotMatch(r.calls, /mkfs/);
        assert.strictEqual(r.fstab.split("\n").filter((l) => / \/var\/lib\/etcd /.test(l)).length, 1);
    });

    it("a host with the filesystem but no fstab line yet gets exactly one", () => {
        const r = runDisk("/dev/nvme0n1", { "/dev/nvme0n1": { uuid: OLD } }, undefined, ["UUID=root / ext4 defaults 0 1"]);
        assert.strictEqual(r.status, 0, r.stderr);
        assert.deepStrictEqual(
            r.fstab.split("\n").filter((l) => / \/var\/lib\/etcd /.test(l)),
            [line(OLD)],
        );
        assert.match(r.calls, /^mount \/var\/lib\/etcd$/m);
    });

    it("nvmeDevice changed to a blank device while the old one is mounted: refused before mkfs, fstab untouched", () => {
        const before = [line(OLD)];
        const r = runDisk("/dev/nvme1n1", { "/dev/nvme0n1": { uuid: OLD }, "/dev/nvme1n1": {} }, "/dev/nvme0n1", before);
        assert.strictEqual(r.status, 1);
        assert.match(r.stderr, /\/var\/lib\/etcd already holds \/dev\/nvme0n1, not \/dev\/nvme1n1: refusing/);
        assert.doesNotMatch(r.calls, /mkfs|^mount /m);
        assert.strictEqual(r.fstab, before.map((l) => `${l}\n`).join(""));
    });

    it("nvmeDevice changed while nothing is mounted (after a reboot with the old disk dead): fstab's other UUID refuses", () => {
        for (const disk of [{}, { uuid: NEW }] as Disk[]) {
            const r = runDisk("/dev/nvme1n1", { "/dev/nvme1n1": disk }, undefined, [line(OLD)]);
            assert.strictEqual(r.status, 1, JSON.stringify(disk));
            assert.match(r.stderr, new RegExp(`mounts UUID=${OLD} on /var/lib/etcd, not /dev/nvme1n1 \\(UUID=${disk.uuid ?? "none"}\\): refusing`));
            assert.doesNotMatch(r.calls, /mkfs|^mount /m);
            assert.strictEqual(r.fstab, `${line(OLD)}\n`);
        }
    });

    it("two fstab lines for the mount point: refused", () => {
        const r = runDisk("/dev/nvme0n1", { "/dev/nvme0n1": { uuid: OLD } }, "/dev/nvme0n1", [line(OLD), line(NEW)]);
        assert.strictEqual(r.status, 1);
        assert.match(r.stderr, /has 2 entries for \/var\/lib\/etcd: refusing/);
    });

    it("a commented-out old line does not count", () => {
        const r = runDisk("/dev/nvme0n1", { "/dev/nvme0n1": { uuid: OLD } }, undefined, [`#${line(NEW)}`]);
        assert.strictEqual(r.status, 0, r.stderr);
        assert.deepStrictEqual(
            r.fstab.split("\n").filter((l) => l.startsWith("UUID=")),
            [line(OLD)],
        );
    });
});
