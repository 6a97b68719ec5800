namespace EdgeOpt.Web.Serving;

/// <summary>One request a <see cref="BundleServer"/> answered.</summary>
/// <param name="Method">GET, HEAD, ...</param>
/// <param name="Target">The request target exactly as sent (raw, not decoded), e.g. <c>/model/ab12….bin</c>.</param>
/// <param name="Status">The status answered: 200, 206 for a range, 304 when revalidated, 404, 405.</param>
public sealed record BundleRequest(string Method, string Target, int Status);
