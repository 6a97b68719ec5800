namespace EdgeOpt.Tests.Transformer;

/// <summary>The MiniLM fixture itself: the tokenizer, the pooling and the sentences behave as sentence-transformers' do.</summary>
public sealed class MiniLmTokenizerTests
{
    [Fact]
    public void Tokenizer_splits_punctuation_lowercases_strips_accents_and_uses_wordpieces()
    {
        var tokenizer = MiniLm.Tokenizer;

        Assert.Equal(30522, tokenizer.VocabularySize);
        Assert.Equal(["hello", ",", "world", "!", "don", "'", "t", "panic", "."], tokenizer.Tokenize("Hello, World! Don't  panic."));
        Assert.Equal(["cafe", "naive", "resume"], tokenizer.Tokenize("Café naïve RÉSUMÉ"));
        Assert.Equal(["una", "##ffa", "##ble"], tokenizer.Tokenize("unaffable"));
        Assert.Equal([101L, 7592, 102], tokenizer.Encode("hello")); // [CLS] hello [SEP], bert-base-uncased ids
        Assert.Equal(16, tokenizer.Encode(string.Join(' ', Enumerable.Repeat("word", 100)), maxLength: 16).Length);
    }

    [Fact]
    public void Embeddings_put_paraphrases_closer_than_unrelated_sentences()
    {
        using var embedder = new SentenceEmbedder(MiniLm.ModelPath, MiniLm.Tokenizer);
        var food = embedder.Embed("A man is eating food.");
        var bread = embedder.Embed("A man is eating a piece of bread.");
        var baby = embedder.Embed("The girl is carrying a baby.");

        Assert.Equal(384, food.Length);
        Assert.InRange(Math.Sqrt(food.Sum(v => (double)v * v)), 1 - 1e-5, 1 + 1e-5);
        Assert.True(SentenceEmbedder.Cosine(food, bread) > SentenceEmbedder.Cosine(food, baby) + 0.3,
            $"cos(food, bread) {SentenceEmbedder.Cosine(food, bread):F3} vs cos(food, baby) {SentenceEmbedder.Cosine(food, baby):F3}");
    }

    [Fact]
    public void Debian_readme_files_give_hundreds_of_distinct_english_sentences()
    {
        var (evaluation, calibration) = EnglishSentences.Split(MiniLmReference.EvaluationCount, MiniLmReference.CalibrationCount);

        Assert.Equal(MiniLmReference.EvaluationCount, evaluation.Count);
        Assert.Empty(evaluation.Intersect(calibration));
        Assert.True(evaluation.Select(s => MiniLm.Tokenizer.Encode(s).Length).Distinct().Count() >= 20, "sequence lengths should vary");
    }
}
