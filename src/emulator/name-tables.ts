/**
 * Word lists for a plausible Chinese organization: surnames weighted roughly by frequency, given-name characters,
 * company and department names, titles, places. Pinyin rides along to build e-mail addresses and userids.
 */

/** [surname, pinyin, relative weight]; the top of the list covers most people, as in real life. */
export const SURNAMES: readonly (readonly [string, string, number])[] = [
  ['王', 'wang', 72], ['李', 'li', 71], ['张', 'zhang', 68], ['刘', 'liu', 54], ['陈', 'chen', 46],
  ['杨', 'yang', 33], ['黄', 'huang', 25], ['赵', 'zhao', 23], ['吴', 'wu', 21], ['周', 'zhou', 21],
  ['徐', 'xu', 16], ['孙', 'sun', 15], ['马', 'ma', 15], ['朱', 'zhu', 14], ['胡', 'hu', 13],
  ['郭', 'guo', 12], ['何', 'he', 12], ['高', 'gao', 11], ['林', 'lin', 11], ['罗', 'luo', 10],
  ['郑', 'zheng', 10], ['梁', 'liang', 9], ['谢', 'xie', 8], ['宋', 'song', 8], ['唐', 'tang', 7],
  ['许', 'xu', 7], ['韩', 'han', 7], ['冯', 'feng', 7], ['邓', 'deng', 7], ['曹', 'cao', 6],
  ['彭', 'peng', 6], ['曾', 'zeng', 6], ['肖', 'xiao', 6], ['田', 'tian', 6], ['董', 'dong', 5],
  ['袁', 'yuan', 5], ['潘', 'pan', 5], ['于', 'yu', 5], ['蒋', 'jiang', 5], ['蔡', 'cai', 5],
  ['余', 'yu', 5], ['杜', 'du', 5], ['叶', 'ye', 4], ['程', 'cheng', 4], ['苏', 'su', 4],
  ['魏', 'wei', 4], ['吕', 'lv', 4], ['丁', 'ding', 4], ['任', 'ren', 4], ['沈', 'shen', 4],
  ['姚', 'yao', 3], ['卢', 'lu', 3], ['姜', 'jiang', 3], ['崔', 'cui', 3], ['钟', 'zhong', 3],
  ['谭', 'tan', 3], ['陆', 'lu', 3], ['汪', 'wang', 3], ['范', 'fan', 3], ['金', 'jin', 3],
  ['石', 'shi', 3], ['廖', 'liao', 3], ['贾', 'jia', 3], ['夏', 'xia', 3], ['韦', 'wei', 2],
  ['付', 'fu', 2], ['方', 'fang', 2], ['白', 'bai', 2], ['邹', 'zou', 2], ['孟', 'meng', 2],
  ['熊', 'xiong', 2], ['秦', 'qin', 2], ['邱', 'qiu', 2], ['江', 'jiang', 2], ['尹', 'yin', 2],
  ['薛', 'xue', 2], ['闫', 'yan', 2], ['段', 'duan', 2], ['雷', 'lei', 2], ['侯', 'hou', 2],
  ['龙', 'long', 2], ['史', 'shi', 2], ['陶', 'tao', 2], ['黎', 'li', 2], ['贺', 'he', 2],
  ['顾', 'gu', 2], ['毛', 'mao', 2], ['郝', 'hao', 2], ['龚', 'gong', 2], ['邵', 'shao', 2],
  ['万', 'wan', 2], ['钱', 'qian', 2], ['严', 'yan', 2], ['覃', 'qin', 1], ['武', 'wu', 1],
  ['戴', 'dai', 1], ['莫', 'mo', 1], ['孔', 'kong', 1], ['向', 'xiang', 1], ['汤', 'tang', 1],
  ['常', 'chang', 1], ['温', 'wen', 1], ['康', 'kang', 1], ['施', 'shi', 1], ['文', 'wen', 1],
  ['牛', 'niu', 1], ['樊', 'fan', 1], ['葛', 'ge', 1], ['邢', 'xing', 1], ['安', 'an', 1],
  ['齐', 'qi', 1], ['易', 'yi', 1], ['乔', 'qiao', 1], ['伍', 'wu', 1], ['庞', 'pang', 1],
  ['颜', 'yan', 1], ['倪', 'ni', 1], ['庄', 'zhuang', 1], ['聂', 'nie', 1], ['章', 'zhang', 1],
  ['鲁', 'lu', 1], ['岳', 'yue', 1], ['翟', 'zhai', 1], ['殷', 'yin', 1], ['詹', 'zhan', 1],
  ['申', 'shen', 1], ['欧阳', 'ouyang', 1], ['司马', 'sima', 1], ['诸葛', 'zhuge', 1], ['上官', 'shangguan', 1],
];

/** [character, pinyin] for given names. */
export const GIVEN_CHARS: readonly (readonly [string, string])[] = [
  ['伟', 'wei'], ['芳', 'fang'], ['娜', 'na'], ['敏', 'min'], ['静', 'jing'], ['丽', 'li'], ['强', 'qiang'],
  ['磊', 'lei'], ['军', 'jun'], ['洋', 'yang'], ['勇', 'yong'], ['艳', 'yan'], ['杰', 'jie'], ['娟', 'juan'],
  ['涛', 'tao'], ['明', 'ming'], ['超', 'chao'], ['秀', 'xiu'], ['霞', 'xia'], ['平', 'ping'], ['刚', 'gang'],
  ['桂', 'gui'], ['英', 'ying'], ['华', 'hua'], ['玉', 'yu'], ['兰', 'lan'], ['萍', 'ping'], ['红', 'hong'],
  ['鹏', 'peng'], ['辉', 'hui'], ['建', 'jian'], ['国', 'guo'], ['亮', 'liang'], ['婷', 'ting'], ['雪', 'xue'],
  ['琳', 'lin'], ['晶', 'jing'], ['宇', 'yu'], ['浩', 'hao'], ['凯', 'kai'], ['健', 'jian'], ['俊', 'jun'],
  ['帆', 'fan'], ['帅', 'shuai'], ['旭', 'xu'], ['宁', 'ning'], ['龙', 'long'], ['林', 'lin'], ['欢', 'huan'],
  ['阳', 'yang'], ['佳', 'jia'], ['丹', 'dan'], ['倩', 'qian'], ['颖', 'ying'], ['慧', 'hui'], ['莉', 'li'],
  ['琴', 'qin'], ['云', 'yun'], ['飞', 'fei'], ['峰', 'feng'], ['波', 'bo'], ['斌', 'bin'], ['宏', 'hong'],
  ['博', 'bo'], ['文', 'wen'], ['思', 'si'], ['雨', 'yu'], ['晨', 'chen'], ['欣', 'xin'], ['怡', 'yi'],
  ['梓', 'zi'], ['涵', 'han'], ['轩', 'xuan'], ['子', 'zi'], ['睿', 'rui'], ['泽', 'ze'], ['然', 'ran'],
  ['诗', 'shi'], ['梦', 'meng'], ['可', 'ke'], ['嘉', 'jia'], ['晓', 'xiao'], ['志', 'zhi'], ['海', 'hai'],
  ['春', 'chun'], ['秋', 'qiu'], ['冬', 'dong'], ['立', 'li'], ['新', 'xin'], ['永', 'yong'], ['德', 'de'],
  ['成', 'cheng'], ['荣', 'rong'], ['昊', 'hao'], ['天', 'tian'], ['一', 'yi'], ['奕', 'yi'], ['鑫', 'xin'],
  ['淼', 'miao'], ['琪', 'qi'], ['瑶', 'yao'], ['璐', 'lu'], ['蕾', 'lei'], ['薇', 'wei'], ['菲', 'fei'],
  ['悦', 'yue'], ['彤', 'tong'], ['萱', 'xuan'], ['妍', 'yan'], ['婧', 'jing'], ['瑞', 'rui'], ['祥', 'xiang'],
  ['安', 'an'], ['乐', 'le'], ['毅', 'yi'], ['诚', 'cheng'], ['铭', 'ming'], ['航', 'hang'], ['皓', 'hao'],
  ['骏', 'jun'], ['哲', 'zhe'], ['翔', 'xiang'], ['彬', 'bin'], ['松', 'song'], ['柏', 'bai'], ['岩', 'yan'],
  ['川', 'chuan'], ['江', 'jiang'], ['河', 'he'], ['山', 'shan'], ['宸', 'chen'], ['逸', 'yi'], ['凡', 'fan'],
  ['楠', 'nan'], ['桐', 'tong'], ['芸', 'yun'], ['蓉', 'rong'], ['燕', 'yan'], ['凤', 'feng'], ['梅', 'mei'],
  ['莹', 'ying'], ['露', 'lu'], ['月', 'yue'], ['星', 'xing'], ['辰', 'chen'], ['语', 'yu'], ['书', 'shu'],
  ['卓', 'zhuo'], ['远', 'yuan'], ['达', 'da'], ['威', 'wei'], ['振', 'zhen'], ['东', 'dong'], ['南', 'nan'],
  ['庆', 'qing'], ['福', 'fu'], ['贵', 'gui'], ['金', 'jin'], ['银', 'yin'], ['锋', 'feng'], ['斐', 'fei'],
];

/** [brand, pinyin] for the company name and its mail domain. */
export const COMPANY_BRANDS: readonly (readonly [string, string])[] = [
  ['恒泰', 'hengtai'], ['华信', 'huaxin'], ['瑞丰', 'ruifeng'], ['鼎盛', 'dingsheng'], ['启明', 'qiming'],
  ['远航', 'yuanhang'], ['天成', 'tiancheng'], ['嘉禾', 'jiahe'], ['博源', 'boyuan'], ['云帆', 'yunfan'],
  ['星辰', 'xingchen'], ['宏图', 'hongtu'], ['正元', 'zhengyuan'], ['海纳', 'haina'], ['汇通', 'huitong'],
  ['中联', 'zhonglian'], ['金桥', 'jinqiao'], ['光启', 'guangqi'], ['凌云', 'lingyun'], ['万象', 'wanxiang'],
];

/** [industry word in the name, domain suffix]. */
export const INDUSTRIES: readonly (readonly [string, string])[] = [
  ['科技', 'tech'], ['信息技术', 'it'], ['网络科技', 'net'], ['智能制造', 'im'], ['实业', 'group'],
  ['电子商务', 'eb'], ['生物医药', 'bio'], ['新能源', 'energy'],
];

/** [city, pinyin]. */
export const CITIES: readonly (readonly [string, string])[] = [
  ['北京', 'beijing'], ['上海', 'shanghai'], ['杭州', 'hangzhou'], ['深圳', 'shenzhen'], ['广州', 'guangzhou'],
  ['成都', 'chengdu'], ['南京', 'nanjing'], ['武汉', 'wuhan'], ['西安', 'xian'], ['苏州', 'suzhou'],
  ['天津', 'tianjin'], ['重庆', 'chongqing'], ['长沙', 'changsha'], ['郑州', 'zhengzhou'], ['青岛', 'qingdao'],
  ['厦门', 'xiamen'], ['合肥', 'hefei'], ['济南', 'jinan'], ['沈阳', 'shenyang'], ['大连', 'dalian'],
  ['昆明', 'kunming'], ['福州', 'fuzhou'], ['宁波', 'ningbo'], ['无锡', 'wuxi'], ['东莞', 'dongguan'],
];

export const AREA_CODES: Readonly<Record<string, string>> = {
  北京: '010', 上海: '021', 杭州: '0571', 深圳: '0755', 广州: '020', 成都: '028', 南京: '025', 武汉: '027',
  西安: '029', 苏州: '0512', 天津: '022', 重庆: '023', 长沙: '0731', 郑州: '0371', 青岛: '0532', 厦门: '0592',
  合肥: '0551', 济南: '0531', 沈阳: '024', 大连: '0411', 昆明: '0871', 福州: '0591', 宁波: '0574', 无锡: '0510',
  东莞: '0769',
};

export const STREETS: readonly string[] = [
  '科技园', '高新区软件园', '文三路', '滨江区网商路', '张江高科园区', '中关村软件园', '南山区科技园', '天府软件园',
  '光谷大道', '经济开发区', '金融城', '创业大厦', '总部基地', '产业园A座', '国际中心', '科创中心',
];

/** A division (level 1) with the departments (level 2) and teams (level 3) that usually sit under it. */
export interface DivisionTemplate {
  name: string;
  departments: readonly string[];
  teams: readonly string[];
  titles: readonly string[];
}

export const DIVISIONS: readonly DivisionTemplate[] = [
  {
    name: '研发中心',
    departments: ['前端开发部', '后端开发部', '测试部', '运维部', '数据平台部', '算法部', '架构部', '移动开发部', '安全部'],
    teams: ['基础架构组', '交易组', '用户增长组', '中台组', '搜索组', '推荐组', '支付组', '工具链组', '性能组', '稳定性组'],
    titles: ['软件工程师', '高级软件工程师', '资深工程师', '测试工程师', '运维工程师', '算法工程师', '架构师', '技术专家'],
  },
  {
    name: '产品中心',
    departments: ['产品规划部', '用户体验部', '交互设计部', '视觉设计部', '用户研究部', '产品运营部'],
    teams: ['会员产品组', '商家产品组', '数据产品组', '移动端组', '平台产品组', '创新产品组'],
    titles: ['产品经理', '高级产品经理', '交互设计师', '视觉设计师', '用户研究员', '产品专员'],
  },
  {
    name: '销售中心',
    departments: ['大客户部', '渠道销售部', '电话销售部', '商务拓展部', '售前支持部', '销售运营部'],
    teams: ['华东组', '华南组', '华北组', '西南组', '华中组', '东北组', '西北组', '重点客户组'],
    titles: ['销售代表', '客户经理', '高级客户经理', '售前顾问', '商务专员', '渠道经理'],
  },
  {
    name: '市场中心',
    departments: ['品牌部', '市场推广部', '公关部', '内容营销部', '活动策划部', '数字营销部'],
    teams: ['新媒体组', '投放组', '活动组', '设计组', '媒介组', '社区运营组'],
    titles: ['市场专员', '品牌经理', '公关经理', '内容编辑', '活动策划', '设计师'],
  },
  {
    name: '运营中心',
    departments: ['用户运营部', '内容运营部', '商家运营部', '数据运营部', '活动运营部'],
    teams: ['会员组', '社群组', '增长组', '内容审核组', '商家服务组', '数据分析组'],
    titles: ['运营专员', '高级运营专员', '数据分析师', '运营经理', '审核专员'],
  },
  {
    name: '客户服务中心',
    departments: ['客服部', '技术支持部', '售后服务部', '质检部', '客户成功部'],
    teams: ['热线组', '在线组', '工单组', '回访组', '投诉处理组', '知识库组'],
    titles: ['客服专员', '高级客服专员', '技术支持工程师', '质检专员', '客户成功经理'],
  },
  {
    name: '财务中心',
    departments: ['会计部', '资金部', '税务部', '审计部', '财务分析部', '预算管理部'],
    teams: ['总账组', '应收组', '应付组', '费用组', '报表组', '成本组'],
    titles: ['会计', '出纳', '财务分析师', '税务专员', '审计专员', '财务经理'],
  },
  {
    name: '人力资源中心',
    departments: ['招聘部', '培训部', '薪酬福利部', '员工关系部', '组织发展部'],
    teams: ['校园招聘组', '社会招聘组', '技术招聘组', '培训发展组', '绩效组', 'HRBP组'],
    titles: ['招聘专员', '培训专员', '薪酬专员', 'HRBP', '人事专员', '人力资源经理'],
  },
  {
    name: '行政中心',
    departments: ['行政部', '后勤保障部', '法务部', '采购部', 'IT支持部'],
    teams: ['前台组', '资产组', '差旅组', '合同组', '采购执行组', '桌面支持组'],
    titles: ['行政专员', '前台', '法务专员', '采购专员', 'IT工程师', '行政经理'],
  },
  {
    name: '供应链中心',
    departments: ['计划部', '仓储部', '物流部', '质量管理部', '生产部'],
    teams: ['一车间', '二车间', '三车间', '入库组', '出库组', '配送组', '检验组'],
    titles: ['计划员', '仓管员', '物流专员', '质检员', '生产主管', '操作工'],
  },
  {
    name: '信息技术中心',
    departments: ['信息化部', '数据中心', '网络部', '信息安全部', '系统集成部'],
    teams: ['ERP组', 'OA组', '网络组', '机房组', '安全运营组', '集成组'],
    titles: ['系统工程师', '网络工程师', '安全工程师', 'DBA', '实施顾问'],
  },
  {
    name: '战略发展部',
    departments: ['战略规划部', '投资部', '投后管理部', '研究院'],
    teams: ['行业研究组', '投资分析组', '并购组', '政策研究组'],
    titles: ['战略分析师', '投资经理', '研究员', '投资总监'],
  },
];

/** Level-1 units beyond the divisions above are regional branches (`杭州分公司`) built from this template. */
export const BRANCH: DivisionTemplate = {
  name: '分公司',
  departments: ['销售部', '市场部', '客服部', '行政部', '财务部', '技术支持部', '交付部', '渠道部'],
  teams: ['一组', '二组', '三组', '四组', '五组', '大客户组', '电销组', '实施组'],
  titles: ['销售代表', '客户经理', '客服专员', '实施工程师', '行政专员', '会计'],
};

/** Names of the rare sixth level (project teams). */
export const PROJECTS: readonly string[] = [
  '北极星', '天穹', '曙光', '磐石', '飞鱼', '青鸟', '凤凰', '麒麟', '鲲鹏', '长城', '灯塔', '星火',
];

/** Ordinals for numbered units (二组, 第三车间…). */
export const ORDINALS: readonly string[] = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];

/** Titles of leaders by depth below the root. */
export const LEADER_TITLES: readonly (readonly string[])[] = [
  ['董事长', '总经理', 'CEO'],
  ['副总裁', '中心总经理', '总监'],
  ['部门经理', '高级经理', '总监'],
  ['组长', '主管', '经理'],
  ['组长', '主管'],
  ['组长'],
];

export const EXECUTIVE_TITLES: readonly string[] = ['副总经理', '首席技术官', '首席财务官', '首席运营官', '总裁助理'];

export const REMARKS: readonly string[] = [
  '外派', '试用期', '实习生', '兼职', '返聘', '驻场', '借调', '远程办公', '劳务派遣', '轮岗中',
];

export const HOBBIES: readonly string[] = ['跑步', '摄影', '阅读', '旅行', '羽毛球', '篮球', '围棋', '烘焙', '登山', '音乐'];

export const MAIL_HOSTS: readonly string[] = ['qq.com', '163.com', '126.com', 'foxmail.com', 'sina.com', 'outlook.com'];

/** [role group, role names] of the organization's role table (§4.4 `role_list`). */
export const ROLE_GROUPS: readonly (readonly [string, readonly string[]])[] = [
  ['默认', ['主管理员', '子管理员', '负责人', '主管']],
  ['职务', ['财务', '人事', '行政', '出纳', '法务']],
  ['岗位', ['开发', '测试', '产品', '设计', '销售', '客服']],
];
