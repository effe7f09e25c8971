/* TRS WCM pager: writes the page links of a list rendered as index.html, index_1.html ... */
function createPageHTML(count, current, name, ext) {
  if (count <= 1) { return; }
  var html = "";
  var link = function (i) { return i === 0 ? name + "." + ext : name + "_" + i + "." + ext; };
  html += "<a href='" + link(0) + "'>首页</a> ";
  if (current > 0) { html += "<a href='" + link(current - 1) + "'>上一页</a> "; }
  if (current < count - 1) { html += "<a href='" + link(current + 1) + "'>下一页</a> "; }
  html += "<a href='" + link(count - 1) + "'>尾页</a> 共" + count + "页";
  document.write(html);
}
