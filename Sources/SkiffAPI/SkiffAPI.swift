/// API types and pure helpers. See Generated/ for the generated types.
public enum SkiffAPIModule {}
