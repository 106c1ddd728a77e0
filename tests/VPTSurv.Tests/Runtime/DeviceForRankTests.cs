using VPTSurv.Runtime;
using Xunit;

namespace VPTSurv.Tests.Runtime;

/// <summary>
/// Each rank of a data-parallel run on a GPU node takes the GPU of its local rank when CUDA is asked for or automatic;
/// an explicit request is kept, and without CUDA nothing changes.
/// </summary>
public class DeviceForRankTests
{
    [Theory]
    [InlineData("auto", 1, true, "cuda:1")]
    [InlineData("cuda", 0, true, "cuda:0")]
    [InlineData(" CUDA ", 3, true, "cuda:3")]
    [InlineData("auto", 1, false, "auto")]
    [InlineData("cuda", 1, false, "cuda")]
    [InlineData("cpu", 1, true, "cpu")]
    [InlineData("cuda:2", 1, true, "cuda:2")]
    public void The_device_of_a_rank(string requested, int localRank, bool cuda, string expected) =>
        Assert.Equal(expected, Devices.ForRank(requested, localRank, cuda));

    [Fact]
    public void A_negative_local_rank_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Devices.ForRank("auto", -1, true));
}
