// The search page: Pagefind answers in the page. Without JavaScript the form still submits
// (to this page, or to search.gov when the site has an affiliate) and the page says how else
// to find things. Messages come translated from the form's data attributes.
const form = document.getElementById("search-page-form");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
const MAX_RESULTS = 50;

function chosen(name) {
  return [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((input) => input.value);
}

function message(count, query) {
  const text = count === 0 ? form.dataset.none : count === 1 ? form.dataset.one : form.dataset.many;
  return text.replace("{count}", String(count)).replace("{query}", query);
}

// Pagefind's excerpt is HTML with <mark> around the matches: keep those and the text, nothing else.
function excerpt(html) {
  const paragraph = document.createElement("p");
  for (const node of new DOMParser().parseFromString(html, "text/html").body.childNodes) {
    if (node.nodeName === "MARK") {
      const mark = document.createElement("mark");
      mark.textContent = node.textContent;
      paragraph.append(mark);
    } else {
      paragraph.append(node.textContent);
    }
  }
  return paragraph;
}

function result(data) {
  const item = document.createElement("li");
  const heading = document.createElement("h2");
  const link = document.createElement("a");
  link.href = data.url;
  link.textContent = data.meta.title || data.url;
  heading.append(link);
  item.append(heading, excerpt(data.excerpt));
  return item;
}

async function run(pagefind) {
  const query = form.elements.q.value.trim();
  if (!query) {
    list.replaceChildren();
    status.textContent = "";
    return;
  }
  const filters = {};
  for (const name of ["type", "topic"]) {
    const values = chosen(name);
    if (values.length) filters[name] = { any: values };
  }
  const search = await pagefind.search(query, { filters });
  const found = await Promise.all(search.results.slice(0, MAX_RESULTS).map((r) => r.data()));
  list.replaceChildren(...found.map(result));
  status.textContent = message(search.results.length, query);
}

// The index comes in parts (a big site's edit re-indexes one): the first holds Pagefind's
// program, the others are merged into it and searched with it.
// A site with nothing published yet has no index: the form then finds nothing.
const [first, ...others] = JSON.parse(form.dataset.parts || "[]");
const pagefind = first ? await import(first + "pagefind.js") : { search: async () => ({ results: [] }) };
if (first) {
  await pagefind.options({ baseUrl: form.dataset.base });
  await Promise.all(others.map((part) => pagefind.mergeIndex(part, { baseUrl: form.dataset.base })));
}
const params = new URLSearchParams(location.search);
form.elements.q.value = params.get("q") || "";
for (const box of form.querySelectorAll("input[type=checkbox]")) {
  box.checked = params.getAll(box.name).includes(box.value);
}
form.addEventListener("submit", (event) => {
  event.preventDefault();
  history.replaceState(null, "", "?" + new URLSearchParams(new FormData(form)));
  run(pagefind);
});
run(pagefind);
