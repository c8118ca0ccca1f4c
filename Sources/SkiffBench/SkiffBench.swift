public enum SkiffBenchModule {}
