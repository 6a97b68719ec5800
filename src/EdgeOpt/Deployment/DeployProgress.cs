namespace EdgeOpt.Deployment;

/// <summary>Where a deployment is: the stage (<c>baseline</c>, <c>search</c>, <c>package</c>), candidates done of total, the candidate and its latest step.</summary>
/// <param name="Stage">The stage of the deployment.</param>
/// <param name="Done">Candidates finished in this stage.</param>
/// <param name="Total">Candidates to evaluate in this stage (pruned ones excluded).</param>
/// <param name="Candidate">The candidate being evaluated, by label; null between candidates.</param>
/// <param name="Message">Its latest step, or a stage summary.</param>
public sealed record DeployProgress(string Stage, int Done, int Total, string? Candidate, string? Message);
