/// kube-controller-manager flags that individual controllers read. Each controller's helper
/// adds its own fields here (one line each keeps merges easy).
package struct ControllerOptions: Sendable {
    /// --root-ca-file's contents: published as `kube-root-ca.crt` in every namespace.
    package var rootCA: String?
    /// --node-monitor-grace-period.
    package var nodeMonitorGracePeriod: Duration = .seconds(40)
    /// --cluster-cidr (with --allocate-node-cidrs): pod subnets for nodes; nil allocates none.
    package var clusterCIDR: String?

    package init() {}
}
