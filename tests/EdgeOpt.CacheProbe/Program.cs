using EdgeOpt;
using EdgeOpt.Progressive;

// edgeopt-cache-probe PACKAGE CACHE: loads PACKAGE (a folder) through the cache folder CACHE once; prints the files it
// verified and exits 0, or prints one "error: " line and exits 1.
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: EdgeOpt.CacheProbe PACKAGE CACHE");
    return 2;
}
try
{
    using var loader = new ProgressiveLoader(new Uri(Path.GetFullPath(args[0])), new LoaderOptions { CacheFolder = args[1], MaxRetries = 0 });
    using var loaded = await loader.LoadAsync();
    Console.WriteLine($"ok {loaded.Manifest.Chunks.Count + 1} files, {loader.Statistics.CacheHits} from the cache");
    return 0;
}
catch (EdgeOptException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
