/// The container runtime behind a CRI-shaped protocol.
public enum SkiffRuntimeModule {}
