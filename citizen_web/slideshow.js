// Pictures of the town while waiting, from the server's configured folder.
export async function startSlideshow(img, caption, section, intervalMs = 8000) {
  let pictures = [];
  try {
    const res = await fetch("/api/v1/pictures");
    if (res.ok) pictures = (await res.json()).pictures;
  } catch { return; }
  if (!pictures.length) return;
  let i = 0;
  const show = () => {
    const picture = pictures[i++ % pictures.length];
    img.src = picture.url;
    img.alt = picture.caption;
    caption.textContent = picture.caption;
    section.hidden = document.body.dataset.phase !== "waiting";
  };
  show();
  setInterval(show, intervalMs);
}
