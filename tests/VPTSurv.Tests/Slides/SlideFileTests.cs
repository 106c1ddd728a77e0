using System.Diagnostics;
using VPTSurv.Slides;
using Xunit;

namespace VPTSurv.Tests.Slides;

/// <summary>Only regular, non-empty files are opened as slides; a FIFO or device fails at once instead of blocking.</summary>
public sealed class SlideFileTests
{
    [Fact]
    public async Task Fifo_given_as_a_slide_fails_fast_naming_it()
    {
        var dir = Directory.CreateTempSubdirectory("vptsurv-fifo-").FullName;
        var fifo = Path.Combine(dir, "slide.svs");
        using (var mk = Process.Start("mkfifo", [fifo])) await mk.WaitForExitAsync();
        Assert.True(File.Exists(fifo));
        // Before the check, the reader opened the FIFO and waited forever for a writer.
        var open = Task.Run(() => SlideSource.Open(fifo));
        var finished = await Task.WhenAny(open, Task.Delay(TimeSpan.FromSeconds(20)));
        Assert.Same(open, finished);
        var ex = await Assert.ThrowsAsync<SlideFormatException>(() => open);
        Assert.Contains(fifo, ex.Message);
        Assert.Contains("not a regular file", ex.Message);
        Directory.Delete(dir, recursive: true);
    }

    [Theory]
    [InlineData("/dev/zero")]
    [InlineData("/dev/null")]
    public void Devices_are_refused(string device)
    {
        var ex = Assert.Throws<SlideFormatException>(() => SlideSource.Open(device));
        Assert.Contains("not a regular file", ex.Message);
        Assert.Throws<SlideFormatException>(() => new TiffSlide(device));
    }
}
