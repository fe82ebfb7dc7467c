/**
 * Sector templates (ngành dọc): catalogues shared as data files (`sector-templates/*.json`)
 * beside the general one every agency starts with. An agency adopts a template — its items
 * are copied into the agency's own catalogue, marked with the template's sector — and then
 * edits that copy as its own; the template itself never changes under it.
 */
import { cloneCatalogue, DEFAULT_CATALOGUE, type WorkItem, type WorkItemGroup, type WorkItemKind } from './catalogue';
import noiVu from './sector-templates/noi-vu.json';
import taiChinhKeHoach from './sector-templates/tai-chinh-ke-hoach.json';

export interface SectorTemplate {
  /** `chung` for the general catalogue; else the sector id its items carry. */
  id: string;
  name: { vi: string; en: string };
  description: { vi: string; en: string };
  items: readonly WorkItem[];
}

/** The id of the general catalogue (the one `agency add` gives a new agency). */
export const GENERAL_TEMPLATE_ID = 'chung';

interface TemplateFile {
  id: string;
  name: { vi: string; en: string };
  description: { vi: string; en: string };
  items: Array<{ code: string; name: string; nameEn: string; unit: string; standardMinutes: number; kind: string; group: string; maxQuantityPerEntry: number }>;
}

function fromFile(f: TemplateFile): SectorTemplate {
  return {
    id: f.id, name: f.name, description: f.description,
    items: f.items.map((i) => ({ ...i, kind: i.kind as WorkItemKind, group: i.group as WorkItemGroup, active: true, sector: f.id })),
  };
}

export const SECTOR_TEMPLATES: readonly SectorTemplate[] = [
  {
    id: GENERAL_TEMPLATE_ID,
    name: { vi: 'Danh mục chung', en: 'General catalogue' },
    description: {
      vi: 'Đầu công việc dùng chung cho mọi cơ quan: văn thư, chuyên viên, lãnh đạo và các công việc chung (họp, tiếp dân, dân vận, đoàn thể).',
      en: 'Work items common to every agency: clerical, specialist, leadership and shared work (meetings, citizen reception, mass mobilisation).',
    },
    items: DEFAULT_CATALOGUE,
  },
  fromFile(noiVu as TemplateFile),
  fromFile(taiChinhKeHoach as TemplateFile),
];

/** The template with this id, or undefined. */
export function findTemplate(id: string): SectorTemplate | undefined {
  return SECTOR_TEMPLATES.find((t) => t.id === id);
}

/** A fresh copy of a template's items, for an agency to adopt. */
export function templateItems(t: SectorTemplate): WorkItem[] {
  return cloneCatalogue(t.items);
}
