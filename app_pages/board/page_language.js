// Sets <html lang> and <html dir> to the study's language, so screen readers pick the
// right voice and right-to-left studies are laid out right-to-left.
export default function setPageLanguage({ data }) {
  if (!data) return;
  document.documentElement.lang = data.lang;
  document.documentElement.dir = data.dir;
}
