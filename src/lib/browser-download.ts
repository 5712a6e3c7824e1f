"use client";

/** The long side of a PNG rendered from an SVG output, in CSS pixels (twice the sandbox canvas). */
export const pngSizePx = 1024;

/** Saves a blob as a file through a temporary object URL and a click on a hidden link. */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  link.rel = "noopener";
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started from the URL by now; revoke it on the next turn.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

function loadImage(source: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error("The image could not be decoded."));
    image.src = source;
  });
}

/**
 * Renders an SVG document to a square PNG of `sizePx` in the browser: the
 * SVG is drawn on a canvas from a blob URL (same origin, so the canvas is
 * not tainted and `toBlob` is allowed).
 */
export async function svgToPng(svg: string, sizePx: number = pngSizePx): Promise<Blob> {
  const url = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
  try {
    const image = await loadImage(url);
    const canvas = document.createElement("canvas");
    canvas.width = sizePx;
    canvas.height = sizePx;
    const context = canvas.getContext("2d");
    if (!context) throw new Error("No 2D canvas in this browser.");
    context.drawImage(image, 0, 0, sizePx, sizePx);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("The PNG could not be encoded."))), "image/png"),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}
