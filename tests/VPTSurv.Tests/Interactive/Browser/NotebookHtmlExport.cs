using System.Net;
using System.Text;
using System.Text.Json;

namespace VPTSurv.Tests.Interactive.Browser;

/// <summary>
/// Turns an executed .ipynb into one HTML page the way nbconvert's HTML exporter and JupyterLab lay it out: each cell
/// in its own div, each output's richest MIME type in its own div (text/html as markup, so its scripts run in page
/// order; other text escaped in a pre). Markdown is shown as text (the tests look at outputs, not prose).
/// </summary>
internal static class NotebookHtmlExport
{
    private static readonly string[] TextMimes = ["text/markdown", "text/plain"];

    public static string ToHtml(string ipynbPath, string? headScript = null)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(ipynbPath));
        var sb = new StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>")
            .Append(WebUtility.HtmlEncode(Path.GetFileName(ipynbPath))).Append("</title>");
        if (headScript is not null) sb.Append("<script>").Append(headScript).Append("</script>");
        sb.Append("</head><body>\n");
        int index = 0;
        foreach (var cell in doc.RootElement.GetProperty("cells").EnumerateArray())
        {
            var type = cell.GetProperty("cell_type").GetString();
            sb.Append($"<div class=\"cell {type}-cell\" data-cell=\"{index++}\">");
            sb.Append("<pre class=\"cell-source\">").Append(WebUtility.HtmlEncode(Text(cell.GetProperty("source")))).Append("</pre>");
            if (type == "code" && cell.TryGetProperty("outputs", out var outputs))
                foreach (var output in outputs.EnumerateArray()) sb.Append(Output(output));
            sb.Append("</div>\n");
        }
        return sb.Append("</body></html>\n").ToString();
    }

    public static string Output(JsonElement output)
    {
        var kind = output.GetProperty("output_type").GetString();
        string body = kind switch
        {
            "stream" => Pre(Text(output.GetProperty("text"))),
            "error" => Pre($"{output.GetProperty("ename").GetString()}: {output.GetProperty("evalue").GetString()}"),
            _ => Rich(output.GetProperty("data")),
        };
        return $"<div class=\"output {kind}\">{body}</div>";
    }

    private static string Rich(JsonElement data)
    {
        if (data.TryGetProperty("text/html", out var html)) return Text(html);
        foreach (var mime in TextMimes)
            if (data.TryGetProperty(mime, out var text)) return Pre(Text(text));
        return "";
    }

    private static string Pre(string text) => $"<pre>{WebUtility.HtmlEncode(text)}</pre>";

    // nbformat stores multi-line strings either whole or as a list of lines.
    private static string Text(JsonElement value) => value.ValueKind == JsonValueKind.Array
        ? string.Concat(value.EnumerateArray().Select(e => e.GetString()))
        : value.GetString() ?? "";
}
