import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Node preparation for cgroup v1 "hybrid" hosts (v1 controller hierarchies plus a cgroup2 mount at
/// `unified`). A controller that no v1 hierarchy claims shows up in the cgroup2 root's
/// `cgroup.controllers`; crun refuses such hosts ("cgroups in hybrid mode not supported, drop all
/// controllers from cgroupv2"). Binding each unclaimed controller to its own v1 hierarchy — the
/// layout systemd sets up in hybrid mode — lets both runc and crun run, and gives Skiff's v1 cgroup
/// handling every controller.
enum CgroupLayout {
    /// Mounts a v1 hierarchy for every controller still offered by the hybrid cgroup2 mount. Returns
    /// the controllers that could not be moved (for example, because cgroup2 already uses them);
    /// hosts that are not hybrid are left alone.
    @discardableResult
    static func bindUnclaimedControllers(cgroupRoot: String) -> [String] {
        let unified = cgroupRoot + "/unified/cgroup.controllers"
        guard let text = try? String(contentsOfFile: unified, encoding: .utf8) else { return [] }
        var failed: [String] = []
        for controller in text.split(whereSeparator: \.isWhitespace).map(String.init) {
            // Controller names are kernel identifiers; anything else is not ours to mount.
            guard controller.utf8.allSatisfy({ (97...122).contains($0) || $0 == 95 }) else { continue }
            let target = cgroupRoot + "/" + controller
            if Mounts.isMounted(target) { continue }
            mkdir(target, 0o755)
            if mount("cgroup", target, "cgroup", 0, controller) != 0 {
                failed.append(controller)
                rmdir(target)
            }
        }
        return failed
    }
}
