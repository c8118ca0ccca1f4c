import SkiffStore
/// The real etcd v3 API over gRPC.
public enum SkiffStoreEtcdModule {}
