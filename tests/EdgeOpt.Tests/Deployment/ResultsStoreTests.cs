using EdgeOpt.Deployment;
using Microsoft.Data.Sqlite;

namespace EdgeOpt.Tests.Deployment;

public sealed class ResultsStoreTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "edgeopt-store-" + Guid.NewGuid().ToString("N"));

    public ResultsStoreTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string StorePath => Path.Combine(_root, "cache", "results.db");

    private static CandidateResult Result(int threads = 2, double cosine = 0.99)
    {
        var spec = CandidateJsonTests.Spec with { Threads = threads };
        return new CandidateResult
        {
            Spec = spec, Key = spec.ComputeKey(), Label = $"{threads} threads", Status = CandidateStatus.Evaluated, Command = "edgeopt quantize m.onnx",
            MeasuredCosine = cosine, SizeBytes = 1000 + threads,
        };
    }

    [Fact]
    public void A_result_put_is_got_back_by_its_key_also_after_reopening()
    {
        var one = Result(1);
        var two = Result(2);
        using (var store = ResultsStore.Open(StorePath))
        {
            Assert.Null(store.TryGet(one.Key));
            store.Put(one);
            store.Put(two);
            store.Put(two with { MeasuredCosine = 0.5 }); // upsert
            Assert.Equal(2, store.Count);
            Assert.Equal(one.ToJson(), store.TryGet(one.Key)!.ToJson());
        }
        using var reopened = ResultsStore.Open(StorePath);
        Assert.Equal(2, reopened.Count);
        Assert.Equal(0.5, reopened.TryGet(two.Key)!.MeasuredCosine);
        Assert.Equal(1001, reopened.TryGet(one.Key)!.SizeBytes);
    }

    [Fact]
    public void A_result_whose_key_is_not_its_specs_is_not_stored()
    {
        using var store = ResultsStore.Open(StorePath);
        var wrong = Result() with { Key = new string('0', 64) };
        Assert.Throws<ArgumentException>(() => store.Put(wrong));
        Assert.Equal(0, store.Count);
    }

    [Fact]
    public void A_corrupt_or_mismatched_row_is_ignored_and_deleted_so_the_caller_recomputes()
    {
        var good = Result(1);
        var garbled = Result(2);
        var moved = Result(3);
        using (var store = ResultsStore.Open(StorePath))
        {
            store.Put(good);
            store.Put(garbled);
            store.Put(moved);
        }
        Execute($"UPDATE results SET result_json = '{{\"spec\": 1' WHERE key = '{garbled.Key}'");
        // A well-formed result filed under another candidate's key.
        Execute($"UPDATE results SET result_json = (SELECT result_json FROM results WHERE key = '{good.Key}') WHERE key = '{moved.Key}'");

        using var reopened = ResultsStore.Open(StorePath);
        Assert.Null(reopened.TryGet(garbled.Key));
        Assert.Null(reopened.TryGet(moved.Key));
        Assert.Equal(1, reopened.Count);
        Assert.NotNull(reopened.TryGet(good.Key));
        reopened.Put(garbled); // recomputed and stored again
        Assert.NotNull(reopened.TryGet(garbled.Key));
    }

    [Fact]
    public void A_file_EdgeOpt_did_not_write_is_refused_and_left_untouched()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(StorePath)!);
        File.WriteAllText(StorePath, "my notes, not a database\n");
        var e = Assert.Throws<UsageException>(() => ResultsStore.Open(StorePath));
        Assert.Contains("not an EdgeOpt results store", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Equal("my notes, not a database\n", File.ReadAllText(StorePath));

        // Another application's SQLite database is not ours either.
        var other = Path.Combine(_root, "other.db");
        using (var connection = new SqliteConnection($"Data Source={other};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('keep me');";
            command.ExecuteNonQuery();
        }
        var before = File.ReadAllBytes(other);
        Assert.Throws<UsageException>(() => ResultsStore.Open(other));
        Assert.Equal(before, File.ReadAllBytes(other));
    }

    [Fact]
    public void A_damaged_store_EdgeOpt_wrote_is_started_again()
    {
        using (var store = ResultsStore.Open(StorePath)) store.Put(Result());
        Checkpoint();
        var bytes = File.ReadAllBytes(StorePath);
        Assert.True(bytes.Length > 200);
        // Keep SQLite's 100-byte header (with EdgeOpt's application id), garble everything after it.
        for (var i = 100; i < bytes.Length; i++) bytes[i] = (byte)(i * 7 + 3);
        File.WriteAllBytes(StorePath, bytes);

        using var reopened = ResultsStore.Open(StorePath);
        Assert.Equal(0, reopened.Count);
        reopened.Put(Result());
        Assert.Equal(1, reopened.Count);
    }

    [Fact]
    public void Two_stores_on_one_file_see_each_others_writes()
    {
        using var first = ResultsStore.Open(StorePath);
        using var second = ResultsStore.Open(StorePath);
        first.Put(Result(1));
        second.Put(Result(2));
        Assert.NotNull(second.TryGet(Result(1).Key));
        Assert.NotNull(first.TryGet(Result(2).Key));
        Assert.Equal(2, first.Count);
    }

    [Fact]
    public void The_default_store_lives_in_the_user_cache_folder()
    {
        var path = ResultsStore.DefaultPath();
        Assert.EndsWith(Path.Combine("edgeopt", "results.db"), path, StringComparison.Ordinal);
        Assert.True(Path.IsPathRooted(path));
    }

    private void Execute(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={StorePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private void Checkpoint() => Execute("PRAGMA wal_checkpoint(TRUNCATE);");
}
