// Infinite scroll: when the sentinel at the bottom comes into view (IntersectionObserver), one more
// batch is fetched (answered after 150 ms) and appended above it. window.LAZY = {batches, defectIn}:
// how many batches there are (0: never ends) and which one carries the defect (0: none).
(() => {
  const {batches, defectIn} = window.LAZY;
  const list = document.getElementById('list');
  const sentinel = document.getElementById('more');
  let loaded = 0;
  let busy = false;
  const observer = new IntersectionObserver((entries) => {
    if (!entries.some((e) => e.isIntersecting) || busy) return;
    busy = true;
    fetch('/delay/150/late/products.json').then((r) => r.json()).then((data) => {
      loaded += 1;
      const item = document.createElement('section');
      item.setAttribute('aria-label', `Batch ${loaded}`);
      item.style.minHeight = '1000px';
      // DEFECT image-alt: the cover in batch `defectIn` has no alt (lazy.html: batch 2)
      const alt = loaded === defectIn ? '' : ` alt="Cover of ${data.book}, batch ${loaded}"`;
      item.innerHTML = `<h2>Batch ${loaded}</h2><img src="${data.cover}"${alt}>`;
      list.appendChild(item);
      busy = false;
      if (batches && loaded >= batches) {
        observer.disconnect();
        sentinel.textContent = 'That is all.';
      } else {
        // Still in view (the batch was short)? Observe again so a new entry fires.
        observer.unobserve(sentinel);
        observer.observe(sentinel);
      }
    });
  });
  observer.observe(sentinel);
})();
