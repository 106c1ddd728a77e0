using System.Text.Json;
using VPTSurv.Encoders.Checkpoints;
using Xunit;
using static TorchSharp.torch;

namespace VPTSurv.Tests.Encoders;

/// <summary>
/// The .pth forms PyTorch itself writes beyond a plain dict of contiguous tensors read exactly: a module's
/// <c>state_dict()</c> saved whole (an OrderedDict carrying <c>_metadata</c>, float16 weights, an int64 buffer), an
/// <c>nn.Parameter</c>, views with strides and offsets into a shared storage, 0-d and empty tensors. The files and their
/// values come from PyTorch (Fixtures/encoders/make_state_dict_fixtures.py).
/// </summary>
public class PthTorchFormsTests
{
    /// <summary>One tensor as PyTorch saved it (Dtype: its dtype there, e.g. "float16").</summary>
    private sealed record Expected(string Dtype, long[] Shape, double[] Values);

    [Theory]
    [InlineData("module_state_dict")]
    [InlineData("parameters_and_views")]
    public void A_file_saved_by_torch_reads_with_its_keys_shapes_and_values(string stem)
    {
        var expected = JsonSerializer.Deserialize<Dictionary<string, Expected>>(File.ReadAllText(ReferenceFixtures.Path(stem + ".json")),
            new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;
        var read = PthReader.Read(ReferenceFixtures.Path(stem + ".pth"));
        try
        {
            Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), read.Keys.Order(StringComparer.Ordinal));
            foreach (var (key, e) in expected)
            {
                var t = read[key];
                Assert.Equal(ScalarType.Float32, t.dtype); // every dtype is read as float32 (the reader's contract); the values stay exact
                Assert.Equal(e.Shape, t.shape);
                using var flat = t.to(ScalarType.Float64).reshape(-1);
                Assert.Equal(e.Values, flat.data<double>().ToArray());
            }
        }
        finally
        {
            foreach (var t in read.Values) t.Dispose();
        }
    }
}
