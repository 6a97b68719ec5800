namespace EdgeOpt; internal static class Placeholder { }
