/**
 * The catalogue of standard work items (danh mục sản phẩm/công việc chuẩn) and
 * the default set shipped with the plugin for a Vietnamese E-Office agency.
 *
 * Pure data and pure checks: no I/O. An agency edits, imports and exports its
 * own copy; this default is where a new agency starts.
 *
 * `standardMinutes` (thời gian chuẩn) is the time one unit of the item takes an
 * experienced official; `m(e) = quantity × standardMinutes × coefficient × rating`
 * (docs/hr.md). Items of kind `rated` are qualitative work (dân vận, giám sát,
 * đoàn thể) whose rating in [0, 1] is set by the approving leader.
 */

export type WorkItemKind = 'count' | 'rated';
export type WorkItemGroup = 'van-thu' | 'chuyen-vien' | 'lanh-dao' | 'chung';

export const WORK_ITEM_KINDS: readonly WorkItemKind[] = ['count', 'rated'];
export const WORK_ITEM_GROUPS: readonly WorkItemGroup[] = ['van-thu', 'chuyen-vien', 'lanh-dao', 'chung'];

export interface WorkItem {
  /** Short stable ASCII code, unique within the agency, e.g. `VT-01`. */
  code: string;
  /** Vietnamese name with full diacritics (NFC). */
  name: string;
  nameEn: string;
  /** Đơn vị tính: "văn bản", "cuộc", "hồ sơ"... */
  unit: string;
  /** Thời gian chuẩn (phút) for a quantity of 1. */
  standardMinutes: number;
  kind: WorkItemKind;
  group: WorkItemGroup;
  active: boolean;
  /** The largest quantity one journal entry may claim (guards typing and host mistakes). */
  maxQuantityPerEntry: number;
  /** The sector template (ngành dọc) the item came from, e.g. `noi-vu`; absent or '' = the general catalogue. */
  sector?: string;
}

/** Codes: ASCII letters, digits, `.`, `_`, `-`; start with a letter or digit; at most 40 characters. */
export const WORK_ITEM_CODE_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;

type Row = [code: string, name: string, nameEn: string, unit: string, standardMinutes: number, maxQuantityPerEntry: number, kind?: WorkItemKind];

function rows(group: WorkItemGroup, list: Row[]): WorkItem[] {
  return list.map(([code, name, nameEn, unit, standardMinutes, maxQuantityPerEntry, kind = 'count']) => ({
    code,
    name,
    nameEn,
    unit,
    standardMinutes,
    kind,
    group,
    active: true,
    maxQuantityPerEntry,
  }));
}

/** The default catalogue. Treat as read-only: copy it (`cloneCatalogue`) before editing. */
export const DEFAULT_CATALOGUE: WorkItem[] = [
  ...rows('van-thu', [
    ['VT-01', 'Tiếp nhận, đăng ký văn bản đến', 'Receive and register an incoming document', 'văn bản', 5, 500],
    ['VT-02', 'Số hóa văn bản đến, cập nhật lên hệ thống', 'Digitise an incoming document and upload it', 'văn bản', 5, 500],
    ['VT-03', 'Phát hành văn bản đi (ghi số, ngày tháng, đóng dấu, gửi)', 'Issue an outgoing document (number, date, seal, dispatch)', 'văn bản', 10, 300],
    ['VT-04', 'Kiểm tra thể thức, kỹ thuật trình bày văn bản trước khi phát hành', 'Check the format and layout of a document before issue', 'văn bản', 10, 300],
    ['VT-05', 'Sao y, trích sao văn bản', 'Make a certified copy or extract of a document', 'bản', 5, 500],
    ['VT-06', 'Lập hồ sơ công việc, chỉnh lý hồ sơ', 'Compile and arrange a case file', 'hồ sơ', 60, 50],
    ['VT-07', 'Giao nộp hồ sơ, tài liệu vào lưu trữ cơ quan', 'Transfer files to the agency archive', 'hồ sơ', 20, 100],
    ['VT-08', 'Phục vụ khai thác, tra cứu tài liệu lưu trữ', 'Serve a request to consult archived records', 'lượt', 15, 100],
  ]),
  ...rows('chuyen-vien', [
    ['CV-01', 'Xử lý văn bản đến (chủ trì xử lý)', 'Process an incoming document (lead)', 'văn bản', 30, 100],
    ['CV-02', 'Phối hợp xử lý văn bản', 'Support the processing of a document', 'văn bản', 15, 100],
    ['CV-03', 'Nghiên cứu văn bản được gửi để biết', 'Read a document sent for information', 'văn bản', 5, 200],
    ['CV-04', 'Soạn thảo công văn', 'Draft an official letter (công văn)', 'văn bản', 60, 50],
    ['CV-05', 'Soạn thảo tờ trình', 'Draft a submission (tờ trình)', 'văn bản', 120, 20],
    ['CV-06', 'Soạn thảo báo cáo', 'Draft a report', 'báo cáo', 240, 10],
    ['CV-07', 'Soạn thảo quyết định', 'Draft a decision', 'văn bản', 120, 20],
    ['CV-08', 'Tham mưu xây dựng kế hoạch', 'Prepare a plan', 'kế hoạch', 240, 10],
    ['CV-09', 'Soạn thảo văn bản hành chính khác (thông báo, giấy mời, phiếu chuyển...)', 'Draft another administrative document (notice, invitation, transmittal...)', 'văn bản', 30, 50],
    ['CV-10', 'Tham mưu xây dựng văn bản quy phạm pháp luật', 'Draft a legal normative document', 'văn bản', 1440, 3],
    ['CV-11', 'Góp ý dự thảo văn bản', 'Comment on a draft document', 'văn bản', 60, 20],
    ['CV-12', 'Thẩm định hồ sơ', 'Appraise a dossier', 'hồ sơ', 120, 20],
    ['CV-13', 'Giải quyết hồ sơ thủ tục hành chính', 'Settle an administrative procedure dossier', 'hồ sơ', 45, 100],
    ['CV-14', 'Tổng hợp, thống kê số liệu', 'Compile statistics', 'báo cáo', 120, 10],
    ['CV-15', 'Xử lý đơn thư khiếu nại, tố cáo, kiến nghị, phản ánh', 'Handle a complaint, denunciation, petition or feedback', 'đơn', 90, 20],
    ['CV-16', 'Thực hiện nhiệm vụ được giao', 'Carry out an assigned task', 'nhiệm vụ', 240, 10],
    ['CV-17', 'Cập nhật, quản trị cơ sở dữ liệu chuyên ngành', 'Update a sector database', 'bản ghi', 5, 500],
  ]),
  ...rows('lanh-dao', [
    ['LD-01', 'Ký duyệt văn bản', 'Sign or approve a document', 'văn bản', 15, 200],
    ['LD-02', 'Phân công, chỉ đạo xử lý văn bản đến', 'Assign an incoming document for processing', 'văn bản', 5, 300],
    ['LD-03', 'Cho ý kiến, duyệt dự thảo văn bản', 'Review and comment on a draft', 'văn bản', 30, 50],
    ['LD-04', 'Chủ trì cuộc họp', 'Chair a meeting', 'cuộc', 120, 5],
    ['LD-05', 'Kiểm tra, đôn đốc tiến độ thực hiện nhiệm vụ', 'Follow up on the progress of tasks', 'lượt', 30, 20],
    ['LD-06', 'Tiếp công dân định kỳ của người đứng đầu', "Head of unit's scheduled citizen reception", 'buổi', 240, 2],
  ]),
  ...rows('chung', [
    ['CH-01', 'Dự họp, dự hội nghị', 'Attend a meeting or conference', 'cuộc', 120, 5],
    ['CH-02', 'Tổ chức hội nghị, hội thảo', 'Organise a conference or workshop', 'cuộc', 480, 2],
    ['CH-03', 'Kiểm tra, khảo sát thực địa', 'Field inspection or survey', 'cuộc', 240, 3],
    ['CH-04', 'Tiếp công dân', 'Receive citizens', 'lượt', 30, 30],
    ['CH-05', 'Tham gia tập huấn, bồi dưỡng', 'Attend a training course', 'buổi', 240, 2],
    ['CH-06', 'Báo cáo viên, giảng dạy tại lớp tập huấn', 'Lecture at a training course', 'buổi', 240, 2],
    ['CH-07', 'Trực cơ quan, trực ban', 'Office duty shift', 'buổi', 240, 3],
    ['CH-08', 'Công tác dân vận', 'Mass mobilisation work (dân vận)', 'tháng', 480, 1, 'rated'],
    ['CH-09', 'Công tác giám sát, phản biện xã hội', 'Supervision and social criticism', 'đợt', 960, 2, 'rated'],
    ['CH-10', 'Hoạt động đoàn thể (Công đoàn, Đoàn Thanh niên, Hội Phụ nữ)', 'Mass organisation activities (trade union, youth union, women’s union)', 'tháng', 240, 1, 'rated'],
    ['CH-11', 'Công tác thi đua, khen thưởng, phong trào', 'Emulation movements and awards', 'đợt', 240, 2, 'rated'],
    ['CH-12', 'Công tác cải cách hành chính, chuyển đổi số', 'Administrative reform and digital transformation work', 'tháng', 480, 1, 'rated'],
  ]),
];

/** A deep copy, for an agency to edit without touching the shipped default. */
export function cloneCatalogue(catalogue: readonly WorkItem[] = DEFAULT_CATALOGUE): WorkItem[] {
  return catalogue.map((item) => ({ ...item }));
}

/** The item with this code, or undefined. Codes compare exactly (they are stable identifiers). */
export function findWorkItem(catalogue: readonly WorkItem[], code: string): WorkItem | undefined {
  return catalogue.find((item) => item.code === code);
}

export type CatalogueProblemCode =
  | 'bad_code'
  | 'duplicate_code'
  | 'bad_name'
  | 'bad_unit'
  | 'bad_standard_minutes'
  | 'bad_kind'
  | 'bad_group'
  | 'bad_active'
  | 'bad_max_quantity';

export interface CatalogueProblem {
  /** Position of the item in the list (0-based). */
  index: number;
  code: string | null;
  field: keyof WorkItem;
  problem: CatalogueProblemCode;
  message: string;
}

/** A finite number above zero (minutes, quantities, coefficients). */
export function isPositiveNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

function isNonEmptyNfc(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '' && value === value.normalize('NFC');
}

/**
 * Checks a catalogue (the default, an edited one, or one imported from Excel)
 * and lists every problem; an empty list means it can be used.
 */
export function validateCatalogue(catalogue: readonly WorkItem[]): CatalogueProblem[] {
  const problems: CatalogueProblem[] = [];
  const seen = new Set<string>();
  catalogue.forEach((raw, index) => {
    const item = raw as unknown as Record<string, unknown>;
    const code = typeof item.code === 'string' ? item.code : null;
    const add = (field: keyof WorkItem, problem: CatalogueProblemCode, message: string): void => {
      problems.push({ index, code, field, problem, message });
    };
    if (code === null || !WORK_ITEM_CODE_RE.test(code)) {
      add('code', 'bad_code', `Mã "${String(item.code)}" không hợp lệ: chỉ dùng chữ cái, chữ số, ".", "_", "-" (bad code)`);
    } else if (seen.has(code)) {
      add('code', 'duplicate_code', `Mã "${code}" bị trùng (duplicate code)`);
    } else {
      seen.add(code);
    }
    if (!isNonEmptyNfc(item.name)) add('name', 'bad_name', 'Tên đầu công việc phải khác rỗng và ở dạng Unicode NFC (bad name)');
    if (!isNonEmptyNfc(item.unit)) add('unit', 'bad_unit', 'Đơn vị tính phải khác rỗng và ở dạng Unicode NFC (bad unit)');
    if (!isPositiveNumber(item.standardMinutes)) {
      add('standardMinutes', 'bad_standard_minutes', 'Thời gian chuẩn phải là số phút dương (standardMinutes must be a positive number)');
    }
    if (!WORK_ITEM_KINDS.includes(item.kind as WorkItemKind)) add('kind', 'bad_kind', `Loại "${String(item.kind)}" không hợp lệ: count hoặc rated (bad kind)`);
    if (!WORK_ITEM_GROUPS.includes(item.group as WorkItemGroup)) add('group', 'bad_group', `Nhóm "${String(item.group)}" không hợp lệ (bad group)`);
    if (typeof item.active !== 'boolean') add('active', 'bad_active', 'Trường active phải là true/false (bad active)');
    if (!isPositiveNumber(item.maxQuantityPerEntry)) {
      add('maxQuantityPerEntry', 'bad_max_quantity', 'Số lượng tối đa mỗi mục phải là số dương (maxQuantityPerEntry must be positive)');
    }
  });
  return problems;
}
