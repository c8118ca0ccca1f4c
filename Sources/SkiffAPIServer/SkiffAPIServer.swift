/// The Kubernetes API server.
public enum SkiffAPIServerModule {}
