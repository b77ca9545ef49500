/* The server's clusters as circles on the map: their size by count, and neighbours that
   would overlap on screen drawn as one. No DOM here; `project` turns lat/lon into screen
   points ({x, y}). */

/** The diameter in pixels of a circle for `count` listings. */
export function clusterSize(count) {
  return Math.round(Math.min(64, 30 + Math.log10(count) * 12));
}

function distance(a, b) {
  return Math.sqrt((a.x - b.x) ** 2 + (a.y - b.y) ** 2);
}

/** The server's grid cells can lie so close on screen that their circles overlap; such
    neighbours are drawn as one circle (counts and free beds added, centre weighted by
    count, no longer a single listing). Largest first; the input is left as it is. */
export function mergeOverlapping(clusters, project) {
  const merged = [];
  clusters.slice().sort((a, b) => b.count - a.count).forEach((cluster) => {
    const point = project(cluster.lat, cluster.lon);
    const radius = cluster.count === 1 ? 16 : clusterSize(cluster.count) / 2;
    const near = merged.find((other) => distance(other.point, point) < (other.radius + radius) * 0.9);
    if (!near) {
      merged.push({ cluster: Object.assign({}, cluster), point, radius });
      return;
    }
    const into = near.cluster;
    const total = into.count + cluster.count;
    into.lat = (into.lat * into.count + cluster.lat * cluster.count) / total;
    into.lon = (into.lon * into.count + cluster.lon * cluster.count) / total;
    into.count = total;
    into.free_beds = (into.free_beds || 0) + (cluster.free_beds || 0);
    delete into.listing_id;
    near.radius = clusterSize(total) / 2;
  });
  return merged.map((entry) => entry.cluster);
}
