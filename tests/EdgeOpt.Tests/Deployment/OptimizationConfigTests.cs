using EdgeOpt.Deployment;
using EdgeOpt.Quantization;

namespace EdgeOpt.Tests.Deployment;

public class OptimizationConfigTests
{
    [Fact]
    public void The_default_config_is_valid_and_automatic()
    {
        var config = new OptimizationConfig();
        Assert.Empty(config.Validate());
        Assert.Null(config.Quantization);
        Assert.Equal(1, config.BatchSize);
        Assert.Null(config.Threads);
    }

    [Fact]
    public void Validate_returns_every_problem_at_once_naming_each_member()
    {
        var config = new OptimizationConfig
        {
            Quantization = (QuantizationType)42,
            TargetLatencyMs = 0,
            MaxMemoryMb = -5,
            TargetAccuracy = 1.5,
            MaxAccuracyDrop = -1,
            CompressionRatio = 0,
            BatchSize = 0,
            Threads = 0,
            TimeBudget = TimeSpan.Zero,
        };
        var problems = config.Validate();
        Assert.Equal(
        [
            "OptimizationConfig.Quantization", "OptimizationConfig.TargetLatencyMs", "OptimizationConfig.MaxMemoryMb",
            "OptimizationConfig.TargetAccuracy", "OptimizationConfig.MaxAccuracyDrop", "OptimizationConfig.TargetAccuracy",
            "OptimizationConfig.CompressionRatio", "OptimizationConfig.BatchSize", "OptimizationConfig.Threads", "OptimizationConfig.TimeBudget",
        ], problems.Select(p => p.Option));
        Assert.Contains(problems, p => p.Message == "TargetAccuracy and MaxAccuracyDrop both given: state the accuracy constraint one way");
        Assert.Contains(problems, p => p.Message.StartsWith("BatchSize is 0", StringComparison.Ordinal));
        var e = Assert.Throws<InvalidOptionsException>(() => InvalidOptionsException.ThrowIfAny(problems));
        Assert.Equal(10, e.Problems.Count);
    }

    [Theory]
    [InlineData(1.0, null)]
    [InlineData(0.95, null)]
    [InlineData(null, 0.0)]
    [InlineData(null, 2.5)]
    public void One_accuracy_constraint_in_range_is_accepted(double? target, double? drop) =>
        Assert.Empty(new OptimizationConfig { TargetAccuracy = target, MaxAccuracyDrop = drop }.Validate());

    [Fact]
    public void Json_round_trips_every_field()
    {
        var config = new OptimizationConfig
        {
            Quantization = QuantizationType.Int8,
            TargetLatencyMs = 50,
            MaxMemoryMb = 256,
            MaxAccuracyDrop = 1,
            CompressionRatio = 0.3,
            BatteryOptimization = true,
            EnableProgressiveLoading = true,
            BatchSize = 4,
            Threads = 2,
            TimeBudget = TimeSpan.FromMinutes(10),
        };
        var json = config.ToJson();
        Assert.Contains("\"quantization\": \"Int8\"", json, StringComparison.Ordinal);
        Assert.Contains("\"timeBudget\": \"00:10:00\"", json, StringComparison.Ordinal);
        Assert.Equal(config, OptimizationConfig.Parse(json));
        var auto = new OptimizationConfig { TargetAccuracy = 0.95 };
        Assert.Equal(auto, OptimizationConfig.Parse(auto.ToJson()));
    }

    [Fact]
    public void A_deploy_json_file_reads_the_seeds_example()
    {
        var dir = Directory.CreateTempSubdirectory("edgeopt-deploy-");
        try
        {
            var path = Path.Combine(dir.FullName, "deploy.json");
            File.WriteAllText(path, """
                {
                  // the seed's OptimizationConfig
                  "quantization": "auto",
                  "targetLatencyMs": 10.0,
                  "maxMemoryMb": 128,
                  "targetAccuracy": 0.95,
                  "batteryOptimization": true,
                  "enableProgressiveLoading": true,
                  "compressionRatio": 0.7,
                  "batchSize": 1,
                  "threads": 4,
                }
                """);
            var config = OptimizationConfig.Load(path);
            Assert.Null(config.Quantization);
            Assert.Equal(0.95, config.TargetAccuracy);
            Assert.Equal(4, config.Threads);
            Assert.True(config.EnableProgressiveLoading);
            Assert.Equal(QuantizationType.Int4, OptimizationConfig.Parse("""{ "quantization": "int4" }""").Quantization);
        }
        finally { dir.Delete(true); }
    }

    [Theory]
    [InlineData("{ \"targetLatencyMs\": ", "deploy.json")]
    [InlineData("{ \"targetLatency\": 10 }", "targetLatency")]
    [InlineData("{ \"batchSize\": \"one\" }", "batchSize")]
    [InlineData("{ \"quantization\": \"int9\" }", "quantization")]
    [InlineData("{ \"quantization\": \"1\" }", "quantization")]
    [InlineData("{ \"timeBudget\": \"ten minutes\" }", "timeBudget")]
    [InlineData("[1, 2]", "deploy.json")]
    public void Malformed_deploy_json_is_one_line_naming_the_field(string json, string named)
    {
        var e = Assert.Throws<DataFormatException>(() => OptimizationConfig.Parse(json, "deploy.json"));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("deploy.json", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Messages_say_what_a_field_accepts()
    {
        var e = Assert.Throws<DataFormatException>(() => OptimizationConfig.Parse("{ \"batchSize\": \"one\" }", "deploy.json"));
        Assert.Equal("deploy.json: field 'batchSize' (line 1): not a valid value; expected a whole number", e.Message);
        var q = Assert.Throws<DataFormatException>(() => OptimizationConfig.Parse("{ \"quantization\": \"int9\" }", "deploy.json"));
        Assert.Equal("deploy.json: field 'quantization' (line 1): 'int9' is not a quantization type: expected \"auto\" or one of Int8, Int8Dynamic, Float16, Int4", q.Message);
        var u = Assert.Throws<DataFormatException>(() => OptimizationConfig.Parse("{ \"targetLatency\": 10 }", "deploy.json"));
        Assert.Contains("'targetLatency'", u.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Out_of_range_values_in_deploy_json_are_refused_all_at_once()
    {
        var e = Assert.Throws<InvalidOptionsException>(() => OptimizationConfig.Parse("""{ "batchSize": 0, "threads": -1 }"""));
        Assert.Equal(["OptimizationConfig.BatchSize", "OptimizationConfig.Threads"], e.Problems.Select(p => p.Option));
    }

    [Fact]
    public void A_missing_file_is_a_usage_error_naming_it()
    {
        var e = Assert.Throws<UsageException>(() => OptimizationConfig.Load("/nonexistent/deploy.json"));
        Assert.Contains("/nonexistent/deploy.json", e.Message, StringComparison.Ordinal);
    }
}
