/**
 * What the demo agency is made of: its units and their staff, the names its
 * officials are given, and what it works on (the documents it receives and
 * sends, the tasks it hands out, the reasons and meetings). Plain data read by
 * demo-data.ts, which turns it into events.
 */

export type DemoRole = 'official' | 'leader' | 'hr' | 'admin';
export type DemoDocType = 'cong-van' | 'to-trinh' | 'bao-cao' | 'quyet-dinh' | 'ke-hoach';
export type DemoUrgency = 'thuong' | 'khan' | 'hoa-toc';

// ---------------------------------------------------------------------------
// The agency: who works where

export interface StaffSlot {
  position: string;
  leader?: 'head' | 'deputy';
  clerk?: true; // văn thư: registers incoming and issues outgoing documents
  roles?: DemoRole[];
}

export interface UnitPlan {
  key: 'vp' | 'kt' | 'vhxh' | 'tthcc';
  name: string;
  /** Sign in the number of an outgoing công văn: `45/UBND-VP`. */
  sign: string;
  staff: StaffSlot[];
}

/** The head of a unit and the deputy, whose title is the head's with `Phó`: `Trưởng phòng`, `Phó Trưởng phòng`. */
function leaders(head: string): StaffSlot[] {
  return [
    { position: head, leader: 'head' },
    { position: `Phó ${head}`, leader: 'deputy' },
  ];
}

/** `count` officials (chuyên viên) without extra roles. */
function officials(count: number): StaffSlot[] {
  return Array.from({ length: count }, () => ({ position: 'Chuyên viên' }));
}

export const UNIT_PLANS: UnitPlan[] = [
  {
    key: 'vp',
    name: 'Văn phòng HĐND và UBND',
    sign: 'VP',
    staff: [
      ...leaders('Chánh Văn phòng'),
      { position: 'Văn thư', clerk: true },
      { position: 'Chuyên viên', roles: ['hr'] },
      { position: 'Chuyên viên', roles: ['admin'] },
      ...officials(3),
    ],
  },
  { key: 'kt', name: 'Phòng Kinh tế', sign: 'KT', staff: [...leaders('Trưởng phòng'), { position: 'Kế toán' }, ...officials(3)] },
  { key: 'vhxh', name: 'Phòng Văn hóa - Xã hội', sign: 'VHXH', staff: [...leaders('Trưởng phòng'), ...officials(4)] },
  { key: 'tthcc', name: 'Trung tâm Phục vụ hành chính công', sign: 'TTPVHCC', staff: [...leaders('Giám đốc'), ...officials(3)] },
];

export const FAMILY_NAMES = [
  'Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Vũ', 'Đặng', 'Bùi', 'Đỗ', 'Hồ',
  'Ngô', 'Dương', 'Lý', 'Trịnh', 'Mai', 'Đinh', 'Lương', 'Phan', 'Cao', 'Tạ',
];
export const MIDDLE_NAMES = {
  male: ['Văn', 'Hữu', 'Đức', 'Minh', 'Quang', 'Xuân', 'Thanh', 'Công', 'Đình', 'Ngọc'],
  female: ['Thị', 'Thu', 'Ngọc', 'Thanh', 'Thúy', 'Hồng', 'Minh', 'Kim', 'Phương', 'Diệu'],
};
export const GIVEN_NAMES = {
  male: ['Hùng', 'Dũng', 'Tuấn', 'Thắng', 'Hải', 'Long', 'Sơn', 'Cường', 'Hiếu', 'Khánh', 'Tùng', 'Phúc', 'Nam', 'Quý', 'Đạt', 'Trọng'],
  female: ['Hương', 'Lan', 'Hoa', 'Ngân', 'Trang', 'Hằng', 'Thảo', 'Linh', 'Huyền', 'Nhung', 'Yến', 'Loan', 'Oanh', 'Hà', 'Vân', 'Mến'],
};

export const VILLAGES = ['thôn Đồng Tâm', 'thôn Tân Lập', 'thôn Phú Sơn', 'thôn Yên Bình', 'thôn Thống Nhất', 'thôn Quyết Thắng', 'thôn Trung Hòa', 'thôn Bắc Sơn'];

// ---------------------------------------------------------------------------
// What the agency works on. Placeholders: {month} {quarter} {year} {nextYear} {week} {village}

export interface IncomingTemplate { unit: UnitPlan['key']; docType: DemoDocType; title: string; sender: [name: string, sign: string] }
export interface OutgoingTemplate { unit: UnitPlan['key']; docType: DemoDocType; title: string }
export interface TaskTemplate { unit: UnitPlan['key']; title: string; code: string; quantity?: [number, number] }

const UBND_TINH: [string, string] = ['Ủy ban nhân dân tỉnh', 'UBND-VX'];
const SO_NOI_VU: [string, string] = ['Sở Nội vụ', 'SNV'];
const SO_TAI_CHINH: [string, string] = ['Sở Tài chính', 'STC'];
const SO_NNMT: [string, string] = ['Sở Nông nghiệp và Môi trường', 'SNNMT'];

export const INCOMING: IncomingTemplate[] = [
  { unit: 'vp', docType: 'cong-van', title: 'Công văn về việc báo cáo tình hình thực hiện nhiệm vụ phát triển kinh tế - xã hội tháng {month}', sender: UBND_TINH },
  { unit: 'vp', docType: 'cong-van', title: 'Công văn về việc tăng cường kỷ luật, kỷ cương hành chính trong thực thi công vụ', sender: UBND_TINH },
  { unit: 'vp', docType: 'ke-hoach', title: 'Kế hoạch cải cách hành chính năm {year}', sender: SO_NOI_VU },
  { unit: 'vp', docType: 'quyet-dinh', title: 'Quyết định về việc giao biên chế công chức cấp xã năm {year}', sender: SO_NOI_VU },
  { unit: 'vp', docType: 'cong-van', title: 'Công văn về việc đánh giá, xếp loại chất lượng công chức theo Nghị định 335/2025/NĐ-CP', sender: SO_NOI_VU },
  { unit: 'vp', docType: 'cong-van', title: 'Công văn về việc đẩy mạnh chuyển đổi số trong cơ quan nhà nước', sender: ['Sở Khoa học và Công nghệ', 'SKHCN'] },
  { unit: 'kt', docType: 'cong-van', title: 'Công văn về việc đôn đốc thu ngân sách nhà nước quý {quarter} năm {year}', sender: SO_TAI_CHINH },
  { unit: 'kt', docType: 'cong-van', title: 'Công văn về việc rà soát, cập nhật biến động đất đai tại {village}', sender: SO_NNMT },
  { unit: 'kt', docType: 'ke-hoach', title: 'Kế hoạch phòng, chống thiên tai và tìm kiếm cứu nạn năm {year}', sender: UBND_TINH },
  { unit: 'kt', docType: 'cong-van', title: 'Công văn về việc tăng cường phòng, chống dịch bệnh trên đàn gia súc, gia cầm', sender: SO_NNMT },
  { unit: 'kt', docType: 'quyet-dinh', title: 'Quyết định về việc phân bổ kinh phí hỗ trợ sản xuất lúa năm {year}', sender: SO_TAI_CHINH },
  { unit: 'kt', docType: 'cong-van', title: 'Công văn về việc kiểm tra trật tự xây dựng trên địa bàn', sender: ['Sở Xây dựng', 'SXD'] },
  { unit: 'kt', docType: 'cong-van', title: 'Công văn về việc triển khai Chương trình mục tiêu quốc gia xây dựng nông thôn mới', sender: UBND_TINH },
  { unit: 'vhxh', docType: 'cong-van', title: 'Công văn về việc rà soát hộ nghèo, hộ cận nghèo năm {year}', sender: SO_NOI_VU },
  { unit: 'vhxh', docType: 'ke-hoach', title: 'Kế hoạch tổ chức các hoạt động văn hóa, thể thao chào mừng các ngày lễ lớn năm {year}', sender: ['Sở Văn hóa, Thể thao và Du lịch', 'SVHTTDL'] },
  { unit: 'vhxh', docType: 'cong-van', title: 'Công văn về việc triển khai tiêm chủng mở rộng tháng {month}', sender: ['Sở Y tế', 'SYT'] },
  { unit: 'vhxh', docType: 'cong-van', title: 'Công văn về việc chi trả trợ cấp ưu đãi người có công tháng {month}', sender: SO_NOI_VU },
  { unit: 'vhxh', docType: 'cong-van', title: 'Công văn về việc phát triển người tham gia bảo hiểm xã hội tự nguyện, bảo hiểm y tế hộ gia đình', sender: ['Bảo hiểm xã hội tỉnh', 'BHXH'] },
  { unit: 'vhxh', docType: 'ke-hoach', title: 'Kế hoạch tuyển sinh vào lớp 1, lớp 6 năm học {year}-{nextYear}', sender: ['Sở Giáo dục và Đào tạo', 'SGDĐT'] },
  { unit: 'tthcc', docType: 'cong-van', title: 'Công văn về việc nâng cao chất lượng giải quyết thủ tục hành chính trên Cổng Dịch vụ công quốc gia', sender: UBND_TINH },
  { unit: 'tthcc', docType: 'cong-van', title: 'Công văn về việc công bố danh mục thủ tục hành chính mới ban hành lĩnh vực hộ tịch', sender: ['Sở Tư pháp', 'STP'] },
  { unit: 'tthcc', docType: 'quyet-dinh', title: 'Quyết định công bố danh mục thủ tục hành chính được sửa đổi, bổ sung lĩnh vực đất đai', sender: UBND_TINH },
  { unit: 'tthcc', docType: 'cong-van', title: 'Công văn về việc triển khai Đề án 06 về phát triển ứng dụng dữ liệu dân cư', sender: ['Công an tỉnh', 'CAT'] },
];

export const OUTGOING: OutgoingTemplate[] = [
  { unit: 'vp', docType: 'bao-cao', title: 'Báo cáo tình hình thực hiện nhiệm vụ phát triển kinh tế - xã hội tháng {month} năm {year}' },
  { unit: 'vp', docType: 'ke-hoach', title: 'Kế hoạch công tác cải cách hành chính năm {year}' },
  { unit: 'vp', docType: 'bao-cao', title: 'Báo cáo kết quả chuyển đổi số quý {quarter} năm {year}' },
  { unit: 'vp', docType: 'quyet-dinh', title: 'Quyết định về việc kiện toàn Tổ công nghệ số cộng đồng' },
  { unit: 'vp', docType: 'quyet-dinh', title: 'Quyết định về việc cử công chức tham gia lớp bồi dưỡng kiến thức quản lý nhà nước' },
  { unit: 'vp', docType: 'to-trinh', title: 'Tờ trình về việc đề nghị khen thưởng tập thể, cá nhân có thành tích xuất sắc' },
  { unit: 'vp', docType: 'cong-van', title: 'Công văn về việc góp ý dự thảo Quy chế làm việc của Ủy ban nhân dân xã' },
  { unit: 'kt', docType: 'to-trinh', title: 'Tờ trình về việc đề nghị phê duyệt dự toán công trình đường giao thông {village}' },
  { unit: 'kt', docType: 'bao-cao', title: 'Báo cáo kết quả thu ngân sách nhà nước tháng {month} năm {year}' },
  { unit: 'kt', docType: 'ke-hoach', title: 'Kế hoạch kiểm tra trật tự xây dựng trên địa bàn xã quý {quarter} năm {year}' },
  { unit: 'kt', docType: 'quyet-dinh', title: 'Quyết định về việc thành lập Đoàn kiểm tra hiện trạng sử dụng đất tại {village}' },
  { unit: 'kt', docType: 'cong-van', title: 'Công văn về việc đề nghị hỗ trợ giống cây trồng vụ Hè Thu năm {year}' },
  { unit: 'kt', docType: 'bao-cao', title: 'Báo cáo tiến độ thực hiện các công trình xây dựng cơ bản năm {year}' },
  { unit: 'kt', docType: 'cong-van', title: 'Công văn về việc xác minh nguồn gốc đất của hộ gia đình tại {village}' },
  { unit: 'vhxh', docType: 'bao-cao', title: 'Báo cáo kết quả rà soát hộ nghèo, hộ cận nghèo tại {village}' },
  { unit: 'vhxh', docType: 'ke-hoach', title: 'Kế hoạch tổ chức Ngày hội Đại đoàn kết toàn dân tộc tại {village}' },
  { unit: 'vhxh', docType: 'to-trinh', title: 'Tờ trình về việc đề nghị hỗ trợ đột xuất cho hộ gia đình có hoàn cảnh khó khăn' },
  { unit: 'vhxh', docType: 'quyet-dinh', title: 'Quyết định về việc công nhận danh hiệu Gia đình văn hóa năm {year}' },
  { unit: 'vhxh', docType: 'cong-van', title: 'Công văn về việc đề nghị cấp thẻ bảo hiểm y tế cho đối tượng bảo trợ xã hội' },
  { unit: 'vhxh', docType: 'bao-cao', title: 'Báo cáo công tác y tế, dân số tháng {month} năm {year}' },
  { unit: 'vhxh', docType: 'ke-hoach', title: 'Kế hoạch tuyên truyền phòng, chống tệ nạn xã hội năm {year}' },
  { unit: 'tthcc', docType: 'bao-cao', title: 'Báo cáo kết quả giải quyết thủ tục hành chính tháng {month} năm {year}' },
  { unit: 'tthcc', docType: 'cong-van', title: 'Công văn về việc xin lỗi công dân do giải quyết hồ sơ quá hạn' },
  { unit: 'tthcc', docType: 'ke-hoach', title: 'Kế hoạch nâng cao chỉ số hài lòng của người dân, doanh nghiệp năm {year}' },
  { unit: 'tthcc', docType: 'bao-cao', title: 'Báo cáo tình hình tiếp nhận hồ sơ trực tuyến toàn trình quý {quarter} năm {year}' },
  { unit: 'tthcc', docType: 'to-trinh', title: 'Tờ trình về việc đề nghị bổ sung trang thiết bị cho Trung tâm Phục vụ hành chính công' },
  { unit: 'tthcc', docType: 'cong-van', title: 'Công văn về việc đề nghị các phòng chuyên môn giải quyết hồ sơ đúng hạn' },
];

export const TASKS: TaskTemplate[] = [
  { unit: 'vp', title: 'Tổng hợp báo cáo giao ban tuần {week}', code: 'CV-06' },
  { unit: 'vp', title: 'Chuẩn bị nội dung kỳ họp Hội đồng nhân dân xã', code: 'CH-02' },
  { unit: 'vp', title: 'Rà soát hồ sơ công chức phục vụ đánh giá quý {quarter}', code: 'CV-12', quantity: [5, 25] },
  { unit: 'vp', title: 'Cập nhật tin bài lên Cổng thông tin điện tử xã', code: 'CV-17', quantity: [2, 6] },
  { unit: 'vp', title: 'Kiểm kê tài sản công của cơ quan', code: 'CV-14' },
  { unit: 'kt', title: 'Kiểm tra hiện trường vi phạm đất đai tại {village}', code: 'CH-03' },
  { unit: 'kt', title: 'Đo đạc, cắm mốc giới đất công tại {village}', code: 'CH-03', quantity: [1, 4] },
  { unit: 'kt', title: 'Thống kê diện tích gieo cấy vụ Đông Xuân', code: 'CV-14' },
  { unit: 'kt', title: 'Kiểm tra công trình xây dựng không phép tại {village}', code: 'CH-03' },
  { unit: 'kt', title: 'Lập dự toán thu, chi ngân sách tháng {month}', code: 'CV-06' },
  { unit: 'vhxh', title: 'Phúc tra hộ nghèo tại {village}', code: 'CV-12', quantity: [5, 20] },
  { unit: 'vhxh', title: 'Thăm hỏi gia đình chính sách tại {village}', code: 'CV-16' },
  { unit: 'vhxh', title: 'Vận động nhân dân tham gia bảo hiểm y tế hộ gia đình tại {village}', code: 'CV-16' },
  { unit: 'vhxh', title: 'Kiểm tra hoạt động kinh doanh dịch vụ văn hóa trên địa bàn', code: 'CH-03' },
  { unit: 'vhxh', title: 'Tuyên truyền phòng, chống sốt xuất huyết tại {village}', code: 'CV-16' },
  { unit: 'tthcc', title: 'Hướng dẫn người dân nộp hồ sơ trực tuyến tại {village}', code: 'CV-13' },
  { unit: 'tthcc', title: 'Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính tháng {month}', code: 'CV-17', quantity: [20, 60] },
  { unit: 'tthcc', title: 'Rà soát hồ sơ trễ hạn trên Hệ thống thông tin giải quyết thủ tục hành chính', code: 'CV-12', quantity: [3, 12] },
  { unit: 'tthcc', title: 'Khảo sát mức độ hài lòng của người dân quý {quarter}', code: 'CV-14' },
];

export const RETURN_REASONS = [
  'Sai thể thức văn bản theo Nghị định 30/2020/NĐ-CP',
  'Số liệu không khớp với báo cáo tháng trước',
  'Thiếu căn cứ pháp lý',
  'Nội dung chưa đáp ứng yêu cầu, đề nghị bổ sung',
];
export const REJECT_REASONS = [
  'Kết quả chưa đạt yêu cầu, đề nghị làm lại',
  'Số liệu thống kê chưa chính xác',
  'Hồ sơ còn thiếu biên bản kiểm tra',
];
export const EXTEND_REASONS = [
  'Chờ ý kiến của Sở chuyên ngành',
  'Thời tiết mưa lớn, chưa kiểm tra được hiện trường',
  'Công chức được cử đi tập huấn',
  'Khối lượng công việc phát sinh lớn',
];
export const CANCEL_REASONS = ['Nhiệm vụ đã được giao cho đơn vị khác', 'Cấp trên dừng triển khai nội dung này'];
export const AD_HOC_MEETINGS = [
  'Họp triển khai công tác phòng, chống thiên tai',
  'Họp bàn giải quyết kiến nghị của cử tri',
  'Họp rà soát tiến độ giải quyết thủ tục hành chính',
  'Họp triển khai đánh giá, xếp loại công chức quý {quarter}',
];
